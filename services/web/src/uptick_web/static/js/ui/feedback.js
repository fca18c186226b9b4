// What a page shows instead of data: an empty state that says what to do, and an error banner in words.
import { html } from "../html.js";

export function EmptyState({ title, children, action }) {
  return html`<section class="empty">
    <h2>${title}</h2>
    <div>${children}</div>
    ${action && html`<div class="empty-action">${action}</div>`}
  </section>`;
}

export function ErrorBanner({ error, onRetry }) {
  if (!error) return null;
  const message = typeof error === "string" ? error : error.message;
  return html`<div class="banner banner-error" role="alert">
    <p>${message}</p>
    ${onRetry && html`<button type="button" class="button-secondary" onClick=${onRetry}>Try again</button>`}
  </div>`;
}

export function Notice({ children }) {
  return html`<div class="banner banner-info" role="status">${children}</div>`;
}

export function Loading({ label = "Loading…" }) {
  return html`<p class="loading" role="status">${label}</p>`;
}
