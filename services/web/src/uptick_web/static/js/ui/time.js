// Relative times ("3 min ago") that stay true: every shown time re-renders from one shared clock.
import { html, useEffect, useState } from "../html.js";

const subscribers = new Set();
let timer = null;

export function useNow(every = 15000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    subscribers.add(setNow);
    timer ??= setInterval(() => { const t = Date.now(); for (const s of subscribers) s(t); }, every);
    return () => { subscribers.delete(setNow); if (!subscribers.size) { clearInterval(timer); timer = null; } };
  }, []);
  return now;
}

const UNITS = [["day", 86400], ["h", 3600], ["min", 60], ["s", 1]];

export function relative(at, now = Date.now()) {
  if (!at) return "never";
  const seconds = Math.round((now - new Date(at).getTime()) / 1000);
  const past = seconds >= 0;
  const size = Math.abs(seconds);
  if (size < 5) return "just now";
  for (const [unit, length] of UNITS) {
    if (size >= length) {
      const n = Math.floor(size / length);
      const text = `${n} ${unit}${unit === "day" && n > 1 ? "s" : ""}`;
      return past ? `${text} ago` : `in ${text}`;
    }
  }
  return "just now";
}

export function RelativeTime({ at, fallback = "never" }) {
  useNow(); // re-render as time passes; the text is computed from the clock now (a newer `at` may have arrived)
  if (!at) return html`<span class="muted">${fallback}</span>`;
  const date = new Date(at);
  return html`<time datetime=${date.toISOString()} title=${date.toLocaleString()}>${relative(at, Date.now())}</time>`;
}

export function formatDate(at) {
  return at ? new Date(at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "—";
}
