// A page's frame: its heading (which takes focus after navigation, so screen readers announce the page),
// the document title, and actions beside the heading.
import { html, useEffect, useRef } from "../html.js";
import { navigatedInApp } from "../router.js";

export function Page({ title, actions, children, wide = false }) {
  const heading = useRef(null);
  useEffect(() => {
    document.title = `${title} · Uptick`;
  }, [title]);
  useEffect(() => {
    // Only after a navigation inside the app, not on the first load (the skip link stays first then).
    if (navigatedInApp()) heading.current?.focus();
  }, []);
  return html`<div class=${wide ? "page page-wide" : "page"}>
    <div class="page-head">
      <h1 tabindex="-1" ref=${heading}>${title}</h1>
      ${actions && html`<div class="page-actions">${actions}</div>`}
    </div>
    ${children}
  </div>`;
}
