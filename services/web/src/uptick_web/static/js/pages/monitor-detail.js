// A monitor's page (/monitors/{id}): its state and each region's, uptime over 24 h / 30 d / 90 d, response
// times over a chosen range (1 h … 90 days, from the rollups, by region), the latest checks with their
// timing phases and reasons, and its incidents with their timelines.
import { api } from "../api.js";
import { useApi, usePoll } from "../data.js";
import { html, useMemo, useState } from "../html.js";
import { navigate } from "../router.js";
import { LatencyChart } from "../ui/chart.js";
import { ConfirmButton } from "../ui/confirm.js";
import { EmptyState, ErrorBanner, Loading, Notice } from "../ui/feedback.js";
import { Page } from "../ui/page.js";
import { StatusPill } from "../ui/status.js";
import { RelativeTime, formatDate } from "../ui/time.js";
import { formatUptime } from "./monitors.js";

const RANGES = [["1h", "1 hour", 3600], ["24h", "24 hours", 86400], ["7d", "7 days", 7 * 86400],
  ["30d", "30 days", 30 * 86400], ["90d", "90 days", 90 * 86400]];
const PHASES = [["dns_ms", "DNS"], ["connect_ms", "Connect"], ["tls_ms", "TLS"], ["ttfb_ms", "First byte"]];

function sinceSeconds(seconds) { return new Date(Date.now() - seconds * 1000).toISOString(); }
const ms = (v) => (v === null || v === undefined ? "—" : `${v} ms`);

function Actions({ monitor, onChanged }) {
  const [error, setError] = useState(null);
  if (monitor.managed_by) return null;
  const pause = async () => {
    try { onChanged(await api.patch(`/api/monitors/${monitor.id}`, { paused: !monitor.paused })); } catch (e) { setError(e); }
  };
  const remove = async () => {
    try { await api.delete(`/api/monitors/${monitor.id}`); navigate("/"); } catch (e) { setError(e); }
  };
  return html`
    <a class="button button-secondary" href=${`/monitors/${monitor.id}/edit`}>Edit</a>
    <button type="button" class="button-secondary" onClick=${pause}>${monitor.paused ? "Resume" : "Pause"}</button>
    <${ConfirmButton} label="Delete" danger question=${`Delete ${monitor.name}?`}
      detail="Its history and incidents go with it. This cannot be undone." onConfirm=${remove} />
    ${error && html`<${ErrorBanner} error=${error} />`}`;
}

function Figures({ monitor }) {
  const quarter = useApi((signal) => api.get(`/api/monitors/${monitor.id}/uptime`,
    { signal, query: { from: sinceSeconds(90 * 86400) } }), [monitor.id, monitor.status]);
  return html`<dl class="figures">
    <div><dt>Uptime 24 h</dt><dd>${formatUptime(monitor.uptime_24h)}</dd></div>
    <div><dt>Uptime 30 days</dt><dd>${formatUptime(monitor.uptime_30d)}</dd></div>
    <div><dt>Uptime 90 days</dt><dd>${quarter.data ? formatUptime(quarter.data.uptime_percent) : "…"}</dd></div>
    <div><dt>Last response</dt><dd>${ms(monitor.last_latency_ms)}</dd></div>
    <div><dt>Checked</dt><dd><${RelativeTime} at=${monitor.last_checked_at} /></dd></div>
    <div><dt>Status since</dt><dd><${RelativeTime} at=${monitor.status_since} fallback="—" /></dd></div>
  </dl>`;
}

function Regions({ monitor }) {
  const entries = Object.entries(monitor.region_status || {});
  if (!entries.length) return html`<p class="muted">No region has checked it yet.</p>`;
  return html`<div class="scroll"><table class="plain"><caption class="visually-hidden">Each region's latest check</caption>
    <thead><tr><th scope="col">Region</th><th scope="col">Status</th><th scope="col">Latency</th>
      <th scope="col">Checked</th><th scope="col">Reason</th></tr></thead>
    <tbody>${entries.map(([region, r]) => html`<tr>
      <th scope="row">${region}</th><td><${StatusPill} status=${r.status} />${r.stale ? html` <span class="muted">(silent)</span>` : ""}</td>
      <td>${ms(r.latency_ms)}</td><td><${RelativeTime} at=${r.checked_at} /></td>
      <td>${r.status === "down" ? r.error || (r.http_status ? `HTTP ${r.http_status}` : "") : ""}</td></tr>`)}</tbody></table></div>`;
}

function Chart({ monitor }) {
  const [range, setRange] = useState("24h");
  const seconds = RANGES.find(([key]) => key === range)[2];
  // Drawn again once a minute while checks arrive (the finest rollup is a minute), not on every poll.
  const minute = monitor.last_checked_at ? Math.floor(Date.parse(monitor.last_checked_at) / 60000) : 0;
  const series = useApi((signal) => api.get(`/api/monitors/${monitor.id}/series`,
    { signal, query: { from: sinceSeconds(seconds) } }), [monitor.id, range, minute]);
  const regions = series.data?.regions;
  const points = regions ? Object.values(regions).reduce((n, list) => n + list.length, 0) : 0;
  const summary = useMemo(() => (regions ? Object.entries(regions).map(([name, list]) => {
    const values = list.map((p) => p.avg_ms).filter((v) => v !== null);
    return `${name}: ${values.length ? `${Math.min(...values)} to ${Math.max(...values)} ms` : "no response times"}`;
  }).join("; ") : ""), [regions]);
  return html`<section class="card" aria-labelledby="chart-title">
    <div class="section-head"><h2 id="chart-title">Response time</h2>
      <div class="segmented" role="group" aria-label="Range">${RANGES.map(([key, label]) => html`<button type="button"
        class=${key === range ? "" : "button-secondary"} aria-pressed=${key === range ? "true" : "false"}
        onClick=${() => setRange(key)}>${label}</button>`)}</div></div>
    ${series.error && html`<${ErrorBanner} error=${series.error} onRetry=${series.reload} />`}
    ${series.loading && html`<${Loading} />`}
    ${regions && (points
      ? html`<${LatencyChart} regions=${regions} from=${series.data.from} to=${series.data.to} label=${`Average response time by region over ${range}: ${summary}`} />
        <p class="hint">Average per ${series.data.resolution}, by region. Drag across the chart to zoom in; double-click to zoom out.</p>`
      : html`<p class="muted">No checks in this range yet.</p>`)}
  </section>`;
}

function Ticks({ monitor }) {
  const ticks = usePoll(`/api/monitors/${monitor.id}/ticks`, { limit: 20 }, 10000);
  const items = ticks.data?.items;
  const certificate = items && items.flatMap((t) => t.assertions || [])
    .find((a) => a.assertion.startsWith("[CERTIFICATE_EXPIRATION]"));
  return html`<section class="card" aria-labelledby="ticks-title">
    <h2 id="ticks-title">Latest checks</h2>
    ${certificate && html`<p>TLS certificate: ${certificate.passed ? "holds" : "fails"} ${certificate.assertion}
      ${certificate.got ? `(found ${certificate.got})` : ""}</p>`}
    ${ticks.error && html`<${ErrorBanner} error=${ticks.error} />`}
    ${!items ? html`<${Loading} />` : !items.length ? html`<p class="muted">No checks yet.</p>` : html`
      <div class="scroll"><table class="plain ticks"><caption class="visually-hidden">The latest checks, newest first</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Region</th><th scope="col">Result</th>
          <th scope="col">Total</th>${PHASES.map(([, label]) => html`<th scope="col">${label}</th>`)}
          <th scope="col">Reason</th></tr></thead>
        <tbody>${items.map((t) => html`<tr>
          <td><${RelativeTime} at=${t.checked_at} /></td><td>${t.region}</td>
          <td><${StatusPill} status=${t.status} />${t.http_status ? ` ${t.http_status}` : ""}</td>
          <td>${ms(t.latency_ms)}</td>${PHASES.map(([key]) => html`<td>${ms(t.phases[key])}</td>`)}
          <td class="reason-cell">${t.error || (t.assertions || []).filter((a) => !a.passed)
            .map((a) => `${a.assertion}${a.got ? ` (got ${a.got})` : ""}`).join("; ")}</td></tr>`)}
        </tbody></table></div>`}
  </section>`;
}

function Incident({ incident }) {
  const [open, setOpen] = useState(false);
  const detail = useApi((signal) => (open ? api.get(`/api/incidents/${incident.id}`, { signal }) : Promise.resolve(null)),
    [open, incident.id]);
  return html`<li class="incident">
    <div><a href=${`/incidents/${incident.id}`}>${incident.cause || "Down"}</a>
      <span class=${`pill pill-${incident.status === "resolved" ? "up" : "down"}`}>${incident.status}</span></div>
    <div class="muted">Started ${formatDate(incident.started_at)}${incident.resolved_at
      ? `, resolved ${formatDate(incident.resolved_at)}` : ""} · ${Math.round(incident.duration_seconds / 60)} min
      · ${incident.regions.join(", ")}</div>
    <button type="button" class="link-button" aria-expanded=${open ? "true" : "false"} onClick=${() => setOpen(!open)}>
      ${open ? "Hide the timeline" : "Show the timeline"}</button>
    ${open && detail.data && html`<ol class="timeline">${detail.data.events.map((event) => html`<li>
      <time datetime=${event.at}>${formatDate(event.at)}</time> ${event.kind}${event.body ? `: ${event.body}` : ""}</li>`)}</ol>`}
  </li>`;
}

function Incidents({ monitor }) {
  const incidents = usePoll("/api/incidents", { monitor_id: monitor.id }, 10000);
  const items = incidents.data?.items;
  return html`<section class="card" aria-labelledby="incidents-title">
    <h2 id="incidents-title">Incidents</h2>
    ${incidents.error && html`<${ErrorBanner} error=${incidents.error} onRetry=${incidents.refresh} />`}
    ${items && (items.length ? html`<ul class="incidents">${items.map((i) => html`<${Incident} key=${i.id} incident=${i} />`)}</ul>`
      : html`<p class="muted">No incidents: it has not been down.</p>`)}
  </section>`;
}

export function MonitorDetailPage({ params }) {
  const live = usePoll(`/api/monitors/${params.id}`, null, 10000);
  const [changed, setChanged] = useState(null);
  const monitor = changed && live.data && changed.updated_at >= live.data.updated_at ? changed : live.data;
  if (!monitor) {
    return html`<${Page} title="Monitor">${live.error
      ? html`<${EmptyState} title="This monitor cannot be shown"><p>${live.error.message}</p><p><a href="/">Back to the monitors</a></p><//>`
      : html`<${Loading} />`}<//>`;
  }
  return html`<${Page} title=${monitor.name} wide actions=${html`<${Actions} monitor=${monitor}
      onChanged=${(m) => { setChanged(m); live.refresh(); }} />`}>
    <div class="monitor-head">
      <${StatusPill} status=${monitor.status} />
      <span class="url">${monitor.type === "heartbeat" ? monitor.heartbeat_url : monitor.url}</span>
      <span class="muted">${monitor.type.toUpperCase()} · every ${monitor.interval_seconds} s · ${monitor.regions.join(", ")}</span>
    </div>
    ${monitor.status === "down" && monitor.last_error && html`<div class="banner banner-error" role="status">
      <p>Down: ${monitor.last_error}</p></div>`}
    ${monitor.managed_by && html`<${Notice}>Managed by ${monitor.managed_by}: change it there, not here.<//>`}
    ${live.error && html`<${ErrorBanner} error=${`Could not refresh: ${live.error.message}`} />`}
    <section class="card"><${Figures} monitor=${monitor} /></section>
    <${Chart} monitor=${monitor} />
    <section class="card" aria-labelledby="regions-title"><h2 id="regions-title">Regions</h2><${Regions} monitor=${monitor} /></section>
    <${Ticks} monitor=${monitor} />
    <${Incidents} monitor=${monitor} />
  <//>`;
}
