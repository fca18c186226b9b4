// History routing: real paths (/monitors/12), links are plain <a href> (clicks are caught here), the back
// button works. Routes are declared in routes.js as "/monitors/:id" patterns.
import { useEffect, useState } from "./html.js";

const listeners = new Set();
let navigated = false; // true once the user moved between pages inside the app

export function navigatedInApp() { return navigated; }

function location() {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

export function navigate(to, { replace = false } = {}) {
  if (to === window.location.pathname + window.location.search) return;
  window.history[replace ? "replaceState" : "pushState"](null, "", to);
  navigated = true;
  for (const listener of listeners) listener(location());
}

/** Replaces the query string (filters, sort) without a new history entry. */
export function setQuery(params) {
  const query = new URLSearchParams(params);
  for (const [key, value] of [...query]) if (!value) query.delete(key);
  const text = query.toString();
  window.history.replaceState(null, "", window.location.pathname + (text ? `?${text}` : ""));
  for (const listener of listeners) listener(location());
}

export function useLocation() {
  const [where, setWhere] = useState(location());
  useEffect(() => { listeners.add(setWhere); return () => listeners.delete(setWhere); }, []);
  return where;
}

/** {route, params} of the first route whose pattern matches `path`, else null. */
export function match(routes, path) {
  const parts = path.replace(/\/+$/, "").split("/").slice(1);
  for (const route of routes) {
    const pattern = route.path.replace(/\/+$/, "").split("/").slice(1);
    if (pattern.length !== parts.length) continue;
    const params = {};
    const ok = pattern.every((piece, i) => {
      if (piece.startsWith(":")) { params[piece.slice(1)] = decodeURIComponent(parts[i]); return parts[i] !== ""; }
      return piece === parts[i];
    });
    if (ok) return { route, params };
  }
  return null;
}

function onClick(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey
      || event.altKey) return;
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.hasAttribute("download") || link.dataset.native !== undefined) return;
  const url = new URL(link.href, window.location.href);
  if (url.hash && url.pathname === window.location.pathname) return; // an anchor on this page (the skip link)
  if (url.origin !== window.location.origin || url.pathname.startsWith("/api/")
      || url.pathname.startsWith("/status/")) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}

export function startRouter() {
  document.addEventListener("click", onClick);
  window.addEventListener("popstate", () => {
    navigated = true;
    for (const listener of listeners) listener(location());
  });
}
