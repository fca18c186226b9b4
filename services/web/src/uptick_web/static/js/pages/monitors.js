// The monitor list (/): every monitor's state, kept live by polling GET /api/monitors/summary with its ETag
// (one request per refresh, a 304 while nothing changed, up to 10,000 monitors in one answer). Search,
// filter and sort run in the browser over that list; 100 rows a page are drawn, so the page stays quick.
import { html, useId, useMemo } from "../html.js";
import { usePoll } from "../data.js";
import { setQuery, useLocation } from "../router.js";
import { EmptyState, ErrorBanner, Loading } from "../ui/feedback.js";
import { Page } from "../ui/page.js";
import { Sparkline } from "../ui/sparkline.js";
import { StatusPill } from "../ui/status.js";
import { RelativeTime } from "../ui/time.js";

export const PAGE_SIZE = 100;
const REFRESH_MS = 5000;
const STATUSES = [["", "Every status"], ["down", "Down"], ["up", "Up"], ["pending", "Pending"],
  ["maintenance", "Maintenance"], ["paused", "Paused"]];
const RANK = { down: 0, pending: 1, maintenance: 2, up: 3, paused: 4 };
const SORTS = {
  status: ["Status (down first)", (a, b) => RANK[a.status] - RANK[b.status] || byName(a, b)],
  name: ["Name", (a, b) => byName(a, b)],
  latency: ["Slowest first", (a, b) => (b.last_latency_ms ?? -1) - (a.last_latency_ms ?? -1) || byName(a, b)],
  checked: ["Checked longest ago", (a, b) => time(a.last_checked_at) - time(b.last_checked_at) || byName(a, b)],
  uptime: ["Lowest uptime first", (a, b) => (a.uptime_24h ?? 101) - (b.uptime_24h ?? 101) || byName(a, b)],
};

// One collator for every comparison: String.localeCompare builds one per call (slow over 10,000 rows).
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
function byName(a, b) { return collator.compare(a.name, b.name) || a.id - b.id; }
function time(at) { return at ? new Date(at).getTime() : 0; }

export function formatUptime(value) {
  if (value === null || value === undefined) return "—";
  return `${value >= 99.995 ? "100" : value.toFixed(value >= 99 ? 2 : 1)} %`;
}

function shown(items, { q, status, sort }) {
  const words = q.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const kept = items.filter((m) => (!status || m.status === status)
    && words.every((w) => m.name.toLowerCase().includes(w) || m.url.toLowerCase().includes(w)));
  return kept.sort((SORTS[sort] || SORTS.status)[1]);
}

function Counts({ items }) {
  const counts = {};
  for (const m of items) counts[m.status] = (counts[m.status] || 0) + 1;
  const parts = STATUSES.slice(1).filter(([s]) => counts[s]).map(([s, label]) => `${counts[s]} ${label.toLowerCase()}`);
  return html`<p class="muted counts">${items.length} monitor${items.length === 1 ? "" : "s"}: ${parts.join(", ")}</p>`;
}

function Toolbar({ q, status, sort, set }) {
  const id = useId();
  return html`<form class="toolbar" role="search" onSubmit=${(e) => e.preventDefault()}>
    <div><label for=${`${id}-q`}>Search</label><input id=${`${id}-q`} type="search" value=${q}
      placeholder="Name or URL" onInput=${(e) => set({ q: e.currentTarget.value, page: "" })} /></div>
    <div><label for=${`${id}-s`}>Status</label><select id=${`${id}-s`} value=${status}
      onChange=${(e) => set({ status: e.currentTarget.value, page: "" })}>
      ${STATUSES.map(([v, label]) => html`<option value=${v} selected=${v === status}>${label}</option>`)}</select></div>
    <div><label for=${`${id}-o`}>Sort</label><select id=${`${id}-o`} value=${sort}
      onChange=${(e) => set({ sort: e.currentTarget.value })}>
      ${Object.entries(SORTS).map(([v, [label]]) => html`<option value=${v} selected=${v === sort}>${label}</option>`)}
    </select></div>
  </form>`;
}

function Row({ m }) {
  return html`<tr class=${`row row-${m.status}`}>
    <td class="c-status"><${StatusPill} status=${m.status} /></td>
    <td class="c-name">
      <a href=${`/monitors/${m.id}`}>${m.name}</a>
      ${m.managed_by && html` <span class="tag" title=${m.managed_by}>Kubernetes</span>`}
      <div class="url muted">${m.url}</div>
      ${m.status === "down" && m.last_error && html`<div class="reason">${m.last_error}</div>`}
    </td>
    <td class="c-num" data-label="Latency">${m.last_latency_ms === null ? "—" : `${m.last_latency_ms} ms`}</td>
    <td class="c-checked" data-label="Checked"><${RelativeTime} at=${m.last_checked_at} /></td>
    <td class="c-spark"><${Sparkline} values=${m.recent_latencies_ms} /></td>
    <td class="c-num" data-label="Uptime 24 h">${formatUptime(m.uptime_24h)}</td>
  </tr>`;
}

function Pager({ page, pages, total, set }) {
  if (pages <= 1) return null;
  const first = (page - 1) * PAGE_SIZE + 1;
  return html`<nav class="pager" aria-label="Pages of monitors">
    <button type="button" class="button-secondary" disabled=${page <= 1} onClick=${() => set({ page: String(page - 1) })}>
      Previous</button>
    <span>${first.toLocaleString()}–${Math.min(total, page * PAGE_SIZE).toLocaleString()} of ${total.toLocaleString()}</span>
    <button type="button" class="button-secondary" disabled=${page >= pages} onClick=${() => set({ page: String(page + 1) })}>
      Next</button>
  </nav>`;
}

export function MonitorsPage() {
  const { query } = useLocation();
  const filters = { q: query.get("q") || "", status: query.get("status") || "", sort: query.get("sort") || "status" };
  const list = usePoll("/api/monitors/summary", null, REFRESH_MS);
  const items = list.data ? list.data.items : null;
  const kept = useMemo(() => (items ? shown(items.slice(), filters) : []), [items, filters.q, filters.status, filters.sort]);
  const pages = Math.max(1, Math.ceil(kept.length / PAGE_SIZE));
  const page = Math.min(pages, Math.max(1, Number(query.get("page")) || 1));
  const set = (change) => setQuery({ ...filters, page: query.get("page") || "", ...change });
  const add = html`<a class="button" href="/monitors/new">Add monitor</a>`;

  if (!items) {
    return html`<${Page} title="Monitors" actions=${add}>
      ${list.error ? html`<${ErrorBanner} error=${list.error} onRetry=${list.refresh} />` : html`<${Loading} />`}
    <//>`;
  }
  if (!items.length) {
    return html`<${Page} title="Monitors">
      <${EmptyState} title="No monitors yet" action=${add}>
        <p>A monitor checks a URL (or a TCP port, a TLS certificate, or a heartbeat your job sends) from every
          region, keeps its response times and tells your channels when it goes down.</p>
        <p>Add the first address you care about; its status appears here within a minute.</p>
      <//>
    <//>`;
  }
  return html`<${Page} title="Monitors" actions=${add}>
    ${list.error && html`<${ErrorBanner} error=${`Could not refresh: ${list.error.message}`} onRetry=${list.refresh} />`}
    <${Toolbar} ...${filters} set=${set} />
    <${Counts} items=${items} />
    ${kept.length
      ? html`<table class="monitors">
          <caption class="visually-hidden">Monitors, ${SORTS[filters.sort]?.[0] || SORTS.status[0]}</caption>
          <thead><tr><th scope="col">Status</th><th scope="col">Name</th><th scope="col" class="c-num">Latency</th>
            <th scope="col">Checked</th><th scope="col">Last 10</th><th scope="col" class="c-num">Uptime 24 h</th></tr></thead>
          <tbody>${kept.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((m) => html`<${Row} key=${m.id} m=${m} />`)}</tbody>
        </table>
        <${Pager} page=${page} pages=${pages} total=${kept.length} set=${set} />`
      : html`<${EmptyState} title="No monitor matches">
          <p>Nothing matches these filters. <button type="button" class="link-button"
            onClick=${() => setQuery({ sort: filters.sort })}>Show every monitor</button></p><//>`}
  <//>`;
}
