// Maintenance windows: the list (on now, next occurrence), a form for a one-off or a recurring window (weekly
// days and time, or cron) in a chosen time zone, edit and delete. During a window its monitors alert no one.
import { api } from "../api.js";
import { useApi } from "../data.js";
import { html, useState } from "../html.js";
import { canEdit } from "../roles.js";
import { navigate } from "../router.js";
import { ConfirmButton } from "../ui/confirm.js";
import { ErrorBanner, EmptyState, Loading, Notice } from "../ui/feedback.js";
import { CheckboxField, Field, SelectField, TextField } from "../ui/field.js";
import { duration } from "../ui/format.js";
import { Page } from "../ui/page.js";
import { formatDate } from "../ui/time.js";

const DAYS = [["mon", "Mon"], ["tue", "Tue"], ["wed", "Wed"], ["thu", "Thu"], ["fri", "Fri"], ["sat", "Sat"], ["sun", "Sun"]];
const KINDS = [["once", "Once"], ["weekly", "Every week"], ["cron", "Cron schedule"]];
const ZONES = (() => {
  try { return ["UTC", ...Intl.supportedValuesOf("timeZone").filter((z) => z !== "UTC")]; } catch { return ["UTC"]; }
})();
const HERE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** The UTC instant of a wall time ("2026-12-05T22:00") in `zone`. */
function zonedToIso(wall, zone) {
  const [date, time] = wall.split("T");
  const [y, mo, d] = date.split("-").map(Number);
  const [h, mi] = time.split(":").map(Number);
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  const offset = (at) => {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23",
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(new Date(at)).map((p) => [p.type, p.value]));
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute) - at;
  };
  const first = guess - offset(guess);
  return new Date(guess - offset(first)).toISOString();
}

/** An instant as a wall time in `zone`, for a datetime-local input. */
function isoToZoned(iso, zone) {
  if (!iso) return "";
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23",
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
    .formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

function schedule(w) {
  if (w.kind === "once") return `Once, ${formatDate(w.starts_at)} to ${formatDate(w.ends_at)}`;
  const tz = w.timezone === "UTC" ? "UTC" : w.timezone;
  const length = duration((w.duration_minutes || 0) * 60);
  if (w.kind === "weekly") {
    const days = DAYS.filter(([d]) => (w.days || []).includes(d)).map(([, label]) => label).join(", ");
    return `Every ${days} at ${w.time} (${tz}), for ${length}`;
  }
  return `Cron “${w.cron}” (${tz}), for ${length}`;
}

function When({ w }) {
  if (w.active && w.current) {
    return html`<span class="pill pill-maintenance"><span aria-hidden="true">◆</span> On now</span>
      <span class="muted"> until ${formatDate(w.current.ends_at)}</span>`;
  }
  if (w.next) return html`<span>Next: ${formatDate(w.next.starts_at)}</span>`;
  return html`<span class="muted">Over: no occurrence to come</span>`;
}

export function MaintenancePage() {
  const list = useApi((signal) => api.get("/api/maintenance", { signal, query: { limit: 100 } }), []);
  const editor = canEdit();
  const add = editor && html`<a class="button" href="/maintenance/new">Plan maintenance</a>`;
  const items = list.data ? list.data.items : null;
  return html`<${Page} title="Maintenance windows" actions=${add}>
    <${ErrorBanner} error=${list.error} onRetry=${list.reload} />
    ${!items && !list.error && html`<${Loading} />`}
    ${items && items.length === 0 && html`<${EmptyState} title="No maintenance planned" action=${add}>
      <p>During a maintenance window its monitors show “maintenance”, open no incidents and alert no one. Plan one
        before a deploy or a database upgrade, or every week for routine patching.</p><//>`}
    ${items && items.length > 0 && html`<div class="table-wrap"><table class="data">
      <caption class="visually-hidden">Maintenance windows</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Schedule</th><th scope="col">Monitors</th>
        <th scope="col">When</th></tr></thead>
      <tbody>${items.map((w) => html`<tr key=${w.id}>
        <td data-label="Name"><a href=${`/maintenance/${w.id}`}>${w.name}</a></td><td data-label="Schedule">${schedule(w)}</td>
        <td data-label="Monitors">${w.all_monitors ? "All monitors" : `${w.monitor_ids.length} monitor${w.monitor_ids.length === 1 ? "" : "s"}`}</td>
        <td data-label="When"><${When} w=${w} /></td></tr>`)}</tbody></table></div>`}
  <//>`;
}

function initial(w) {
  const zone = w ? w.timezone : HERE;
  return {
    name: w ? w.name : "", kind: w ? w.kind : "once", timezone: zone,
    starts: w && w.kind === "once" ? isoToZoned(w.starts_at, zone) : "",
    ends: w && w.kind === "once" ? isoToZoned(w.ends_at, zone) : "",
    days: w && w.days ? w.days : ["sun"], time: w && w.time ? w.time : "02:00",
    cron: w && w.kind === "cron" ? w.cron : "0 3 * * *",
    duration: w && w.duration_minutes ? String(w.duration_minutes) : "60",
    all: w ? w.all_monitors : false, monitorIds: w ? w.monitor_ids || [] : [], notify: w ? w.notify : true,
  };
}

function bodyOf(f) {
  const body = { name: f.name, kind: f.kind, timezone: f.timezone, notify: f.notify };
  if (f.all) body.all_monitors = true; else { body.all_monitors = false; body.monitor_ids = f.monitorIds; }
  if (f.kind === "once") {
    body.starts_at = f.starts ? zonedToIso(f.starts, f.timezone) : null;
    body.ends_at = f.ends ? zonedToIso(f.ends, f.timezone) : null;
  } else {
    body.duration_minutes = Number(f.duration) || null;
    if (f.kind === "weekly") { body.days = f.days; body.time = f.time; } else body.cron = f.cron;
  }
  return body;
}

const FIELDS = ["name", "kind", "timezone", "starts_at", "ends_at", "days", "time", "cron", "duration_minutes",
  "monitor_ids", "all_monitors", "notify"];

/** A 422's messages by field; a rule over several fields (loc ["body"]) names its field first ("ends_at is in
 * the past"), so it goes beside that field too. */
function placed(error) {
  const fields = { ...((error && error.fields) || {}) };
  for (const key of ["request", "body"]) {
    const message = fields[key];
    const field = message && FIELDS.find((name) => message.startsWith(`${name} `) || message.startsWith(`${name}:`));
    if (field && !fields[field]) { fields[field] = message; delete fields[key]; }
  }
  return fields;
}

function WindowForm({ window: w, onSaved }) {
  const monitors = useApi((signal) => api.get("/api/monitors", { signal, query: { limit: 500 } }), []);
  const [f, setF] = useState(initial(w));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const errors = placed(error);
  const set = (changes) => setF((old) => ({ ...old, ...changes }));
  const toggle = (list, value, on) => (on ? [...list.filter((v) => v !== value), value] : list.filter((v) => v !== value));
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      onSaved(w ? await api.patch(`/api/maintenance/${w.id}`, bodyOf(f)) : await api.post("/api/maintenance", bodyOf(f)));
    } catch (failure) { setError(failure); } finally { setBusy(false); }
  };
  const rest = Object.entries(errors).filter(([key]) => !FIELDS.includes(key.split(".")[0]));
  const items = (monitors.data && monitors.data.items) || [];
  return html`<form class="card form" onSubmit=${submit} novalidate>
    ${error && (rest.length || !Object.keys(errors).length) && html`<${ErrorBanner}
      error=${rest.length ? rest.map(([, m]) => m).join("; ") : error} />`}
    <${TextField} label="Name" value=${f.name} onValue=${(v) => set({ name: v })} error=${errors.name} required
      hint="E.g. “Database upgrade” or “Sunday patching”." />
    <${SelectField} label="Repeats" value=${f.kind} onValue=${(v) => set({ kind: v })} options=${KINDS} error=${errors.kind} />
    <${SelectField} label="Time zone" value=${f.timezone} onValue=${(v) => set({ timezone: v })}
      options=${ZONES.map((z) => [z, z])} error=${errors.timezone}
      hint="Times below are in this zone; recurring windows follow its daylight saving time." />
    ${f.kind === "once" && html`<div class="two">
      <${TextField} label="Starts" type="datetime-local" value=${f.starts} onValue=${(v) => set({ starts: v })}
        error=${errors.starts_at} required />
      <${TextField} label="Ends" type="datetime-local" value=${f.ends} onValue=${(v) => set({ ends: v })}
        error=${errors.ends_at} required hint="At most 31 days after the start." /></div>`}
    ${f.kind === "weekly" && html`<fieldset class="days"><legend>On</legend>
      ${DAYS.map(([d, label]) => html`<${CheckboxField} key=${d} label=${label} checked=${f.days.includes(d)}
        onValue=${(on) => set({ days: toggle(f.days, d, on) })} />`)}
      ${errors.days && html`<p class="field-error">${errors.days}</p>`}</fieldset>
      <${TextField} label="At" type="time" value=${f.time} onValue=${(v) => set({ time: v })} error=${errors.time} required />`}
    ${f.kind === "cron" && html`<${TextField} label="Cron expression" value=${f.cron} onValue=${(v) => set({ cron: v })}
      error=${errors.cron} required class="mono"
      hint="Five fields: minute hour day-of-month month day-of-week. “0 3 * * 1-5”: 03:00 on weekdays." />`}
    ${f.kind !== "once" && html`<${TextField} label="Lasts (minutes)" inputmode="numeric" value=${f.duration}
      onValue=${(v) => set({ duration: v })} error=${errors.duration_minutes} required
      hint="From 1 minute to 7 days (10080), and shorter than the time between two starts." />`}
    <fieldset class="monitor-choice"><legend>Monitors</legend>
      <${CheckboxField} label="All monitors of the organization (also ones added later)" checked=${f.all}
        onValue=${(v) => set({ all: v })} error=${errors.all_monitors} />
      ${!f.all && (items.length === 0 ? html`<p class="muted">You have no monitors yet.</p>`
        : html`<div class="checks">${items.map((m) => html`<${CheckboxField} key=${m.id} label=${m.name}
          checked=${f.monitorIds.includes(m.id)} onValue=${(on) => set({ monitorIds: toggle(f.monitorIds, m.id, on) })} />`)}
        </div>`)}
      ${errors.monitor_ids && html`<p class="field-error">${errors.monitor_ids}</p>`}
    </fieldset>
    <${CheckboxField} label="Tell the monitors' alert channels when each window starts and ends" checked=${f.notify}
      onValue=${(v) => set({ notify: v })} error=${errors.notify} />
    <div class="actions"><button type="submit" disabled=${busy}>${w ? "Save changes" : "Plan maintenance"}</button>
      <a class="button button-secondary" href=${w ? `/maintenance/${w.id}` : "/maintenance"}>Cancel</a></div>
  </form>`;
}

export function NewMaintenancePage() {
  if (!canEdit()) return html`<${Page} title="Plan maintenance"><${Notice}>Your role (viewer) cannot plan maintenance.<//><//>`;
  return html`<${Page} title="Plan maintenance">
    <${WindowForm} window=${null} onSaved=${(answer) => navigate(`/maintenance/${answer.id}`)} /><//>`;
}

export function MaintenanceWindowPage({ params }) {
  const one = useApi((signal) => api.get(`/api/maintenance/${encodeURIComponent(params.id)}`, { signal }), [params.id]);
  const monitors = useApi((signal) => api.get("/api/monitors", { signal, query: { limit: 500 } }), []);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState(null);
  if (!one.data) {
    return html`<${Page} title="Maintenance window">${one.error ? html`<${ErrorBanner} error=${one.error} />
      <p><a href="/maintenance">All maintenance windows</a></p>` : html`<${Loading} />`}<//>`;
  }
  const w = one.data;
  if (editing) {
    return html`<${Page} title=${`Edit “${w.name}”`}>
      <${WindowForm} window=${w} onSaved=${(answer) => { one.setData(answer); setEditing(false); }} /><//>`;
  }
  const remove = async () => {
    try { await api.delete(`/api/maintenance/${w.id}`); navigate("/maintenance"); } catch (failure) { setError(failure); }
  };
  const names = new Map(((monitors.data && monitors.data.items) || []).map((m) => [m.id, m.name]));
  const actions = canEdit() && html`<button type="button" class="button-secondary" onClick=${() => setEditing(true)}>Edit</button>
    <${ConfirmButton} label="Delete" danger question=${`Delete the maintenance window “${w.name}”?`}
      detail="Its monitors alert again as usual, at once." onConfirm=${remove} />`;
  return html`<${Page} title=${w.name} actions=${actions}>
    <p><a href="/maintenance">← All maintenance windows</a></p>
    <${ErrorBanner} error=${error} />
    <section class="card"><dl class="facts">
      <div class="wide"><dt>Schedule</dt><dd>${schedule(w)}</dd></div>
      <div><dt>Now</dt><dd><${When} w=${w} /></dd></div>
      ${w.next && html`<div><dt>Next occurrence</dt><dd>${formatDate(w.next.starts_at)} to ${formatDate(w.next.ends_at)}</dd></div>`}
      <div class="wide"><dt>Monitors</dt><dd>${w.all_monitors ? "All monitors of the organization"
        : w.monitor_ids.map((id) => names.get(id) || `monitor ${id}`).join(", ") || "none"}</dd></div>
      <div><dt>Tells the channels</dt><dd>${w.notify ? "Yes, when it starts and ends" : "No"}</dd></div>
    </dl></section>
  <//>`;
}
