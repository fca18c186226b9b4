// Incidents: the list (filtered by status and monitor, kept live) and one incident's page, /incidents/{id},
// where notifications link: its facts, its timeline, and (for editors) Acknowledge and a note.
import { api } from "../api.js";
import { useApi, usePoll } from "../data.js";
import { html, useState } from "../html.js";
import { personName, useMembers } from "../members.js";
import { canEdit } from "../roles.js";
import { setQuery, useLocation } from "../router.js";
import { useSession } from "../session.js";
import { ErrorBanner, EmptyState, Loading, Notice } from "../ui/feedback.js";
import { Field } from "../ui/field.js";
import { duration } from "../ui/format.js";
import { Page } from "../ui/page.js";
import { formatDate, RelativeTime } from "../ui/time.js";

const STATUS = {
  open: ["pill-down", "▲", "Open"],
  acknowledged: ["pill-pending", "◐", "Acknowledged"],
  resolved: ["pill-up", "●", "Resolved"],
};
const EVENTS = {
  opened: "Opened: the monitor was confirmed down",
  reopened: "Reopened: down again soon after it recovered",
  acknowledged: "Acknowledged",
  note: "Note",
  reminded: "Reminder sent",
  escalated: "Escalated",
  resolved: "Resolved: the monitor is up again",
};

export function IncidentStatus({ status }) {
  const [cls, shape, label] = STATUS[status] || STATUS.open;
  return html`<span class=${`pill ${cls}`}><span aria-hidden="true">${shape}</span> ${label}</span>`;
}

function useMonitorNames() {
  const monitors = useApi((signal) => api.get("/api/monitors", { signal, query: { limit: 500 } }), []);
  return (monitors.data && monitors.data.items) || [];
}

function IncidentRows({ items }) {
  return html`<div class="table-wrap"><table class="data">
    <caption class="visually-hidden">Incidents, newest first</caption>
    <thead><tr><th scope="col">Status</th><th scope="col">Monitor</th><th scope="col">Cause</th>
      <th scope="col">Started</th><th scope="col">Duration</th></tr></thead>
    <tbody>${items.map((incident) => html`<tr key=${incident.id}>
      <td data-label="Status"><${IncidentStatus} status=${incident.status} /></td>
      <td data-label="Monitor"><a href=${`/incidents/${incident.id}`}>${incident.monitor_name}</a>
        ${incident.flapping && html` <span class="tag">flapping</span>`}</td>
      <td data-label="Cause" class="cause">${incident.cause || html`<span class="muted">no reason recorded</span>`}</td>
      <td data-label="Started"><${RelativeTime} at=${incident.started_at} /></td>
      <td data-label="Duration">${duration(incident.duration_seconds)}${incident.status !== "resolved" ? " so far" : ""}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

export function IncidentsPage() {
  const { query } = useLocation();
  const status = query.get("status") || "";
  const monitorId = query.get("monitor_id") || "";
  const cursor = query.get("cursor") || "";
  const monitors = useMonitorNames();
  const list = usePoll("/api/incidents", { status, monitor_id: monitorId, cursor, limit: 50 }, 10000);
  const set = (changes) => setQuery({ status, monitor_id: monitorId, ...changes, cursor: changes.cursor || "" });
  const items = list.data ? list.data.items : null;
  const filtered = status || monitorId;

  return html`<${Page} title="Incidents">
    <form class="toolbar" role="search" aria-label="Filter incidents" onSubmit=${(e) => e.preventDefault()}>
      <label>Status <select value=${status} onChange=${(e) => set({ status: e.currentTarget.value })}>
        <option value="">All</option><option value="open">Open</option>
        <option value="acknowledged">Acknowledged</option><option value="resolved">Resolved</option>
      </select></label>
      <label>Monitor <select value=${monitorId} onChange=${(e) => set({ monitor_id: e.currentTarget.value })}>
        <option value="">All monitors</option>
        ${monitors.map((m) => html`<option value=${m.id} selected=${String(m.id) === monitorId}>${m.name}</option>`)}
      </select></label>
    </form>
    <${ErrorBanner} error=${list.error} onRetry=${list.refresh} />
    ${items === null && !list.error && html`<${Loading} />`}
    ${items && items.length === 0 && (filtered || cursor
      ? html`<${EmptyState} title="No incidents match">
          <p>Nothing with these filters. <button type="button" class="link-button"
            onClick=${() => setQuery({})}>Show every incident</button></p><//>`
      : html`<${EmptyState} title="No incidents yet">
          <p>When a monitor is confirmed down, Uptick opens an incident here and alerts its channels.
            Make sure your monitors have <a href="/channels">alert channels</a> to tell you.</p><//>`)}
    ${items && items.length > 0 && html`<${IncidentRows} items=${items} />`}
    ${(cursor || (list.data && list.data.next_cursor)) && html`<div class="actions">
      ${cursor && html`<button type="button" class="button-secondary" onClick=${() => set({ cursor: "" })}>
        Newest incidents</button>`}
      ${list.data && list.data.next_cursor && html`<button type="button" class="button-secondary"
        onClick=${() => set({ cursor: list.data.next_cursor })}>Older incidents</button>`}
    </div>`}
  <//>`;
}

function Facts({ incident, byId, session }) {
  const ackBy = personName(byId, incident.acknowledged_by, session);
  return html`<dl class="facts">
    <div><dt>Status</dt><dd><${IncidentStatus} status=${incident.status} />
      ${incident.flapping && html` <span class="tag">flapping</span>`}
      ${incident.reopened > 0 && html` <span class="muted">reopened ${incident.reopened}×</span>`}</dd></div>
    <div><dt>Monitor</dt><dd><a href=${`/monitors/${incident.monitor_id}`}>${incident.monitor_name}</a></dd></div>
    <div class="wide"><dt>Cause</dt><dd class="cause">${incident.cause || "no reason recorded"}</dd></div>
    <div><dt>Regions</dt><dd>${incident.regions.length ? incident.regions.join(", ") : "—"}</dd></div>
    <div><dt>First failing check</dt><dd>${formatDate(incident.started_at)}</dd></div>
    <div><dt>Confirmed down</dt><dd>${formatDate(incident.opened_at)}</dd></div>
    <div><dt>Acknowledged</dt><dd>${incident.acknowledged_at
      ? `${formatDate(incident.acknowledged_at)}${ackBy ? ` by ${ackBy}` : " through a notification's link"}`
      : "not yet"}</dd></div>
    <div><dt>Resolved</dt><dd>${incident.resolved_at ? formatDate(incident.resolved_at) : "not yet: ongoing"}</dd></div>
    <div><dt>Duration</dt><dd>${duration(incident.duration_seconds)}${incident.resolved_at ? "" : " so far"}</dd></div>
    ${incident.parent_incident_id && html`<div class="wide"><dt>Caused by</dt><dd>
      <a href=${`/incidents/${incident.parent_incident_id}`}>incident #${incident.parent_incident_id}</a> of a
      monitor this one depends on (so this one alerted no one)</dd></div>`}
  </dl>`;
}

function Timeline({ events, byId, session }) {
  return html`<ol class="timeline">
    ${events.map((event) => {
      const who = personName(byId, event.user_id, session);
      return html`<li key=${event.id} class=${`event event-${event.kind}`}>
        <p class="event-head"><strong>${EVENTS[event.kind] || event.kind}</strong>
          ${who && html` <span class="muted">by ${who}</span>`}
          <span class="muted"> · <time datetime=${event.at}>${formatDate(event.at)}</time></span></p>
        ${event.body && html`<p class="event-body">${event.body}</p>`}
      </li>`;
    })}
  </ol>`;
}

function NoteForm({ incidentId, onAdded }) {
  const [body, setBody] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      await api.post(`/api/incidents/${incidentId}/notes`, { body });
      setBody("");
      onAdded();
    } catch (failure) { setError(failure); } finally { setBusy(false); }
  };
  return html`<form onSubmit=${submit} class="note-form">
    <${ErrorBanner} error=${error && !error.fields.body ? error : null} />
    <${Field} label="Add a note" error=${error && error.fields.body}
      hint="What you found or did: everyone in the organization sees it on the timeline.">${(p) => html`
      <textarea ...${p} value=${body} required maxlength="10000"
        onInput=${(e) => setBody(e.currentTarget.value)}></textarea>`}<//>
    <button type="submit" disabled=${busy || !body.trim()}>Add note</button>
  </form>`;
}

export function IncidentPage({ params }) {
  const session = useSession();
  // Kept live while it is open: its resolution and others' acknowledgements and notes appear by themselves.
  const incident = usePoll(`/api/incidents/${encodeURIComponent(params.id)}`, null, 10000);
  const members = useMembers();
  const [actionError, setActionError] = useState(null);
  const [busy, setBusy] = useState(false);
  const editor = canEdit();

  if (!incident.data && !incident.error) return html`<${Page} title="Incident"><${Loading} /><//>`;
  if (!incident.data) {
    return html`<${Page} title="Incident">
      <${ErrorBanner} error=${incident.error} onRetry=${incident.error.status === 404 ? null : incident.refresh} />
      <p><a href="/incidents">All incidents</a></p><//>`;
  }
  const data = incident.data;
  const acknowledge = async () => {
    setBusy(true); setActionError(null);
    try { await api.post(`/api/incidents/${data.id}/ack`); await incident.refresh(); } catch (failure) {
      setActionError(failure);
    } finally { setBusy(false); }
  };
  const actions = editor && data.status === "open" && html`<button type="button" onClick=${acknowledge}
    disabled=${busy}>Acknowledge</button>`;
  return html`<${Page} title=${`Incident #${data.id}: ${data.monitor_name}`} actions=${actions}>
    <p><a href="/incidents">← All incidents</a></p>
    <${ErrorBanner} error=${actionError || incident.error} />
    <section class="card" aria-labelledby="facts-h"><h2 id="facts-h">What happened</h2>
      <${Facts} incident=${data} byId=${members.byId} session=${session} /></section>
    <section class="card" aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2>
      <${Timeline} events=${data.events} byId=${members.byId} session=${session} />
      ${editor ? html`<${NoteForm} incidentId=${data.id} onAdded=${incident.refresh} />`
        : html`<${Notice}>Viewers read incidents; an editor, admin or owner acknowledges them and adds notes.<//>`}
    </section>
  <//>`;
}
