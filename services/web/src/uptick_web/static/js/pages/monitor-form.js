// Add and edit a monitor (/monitors/new, /monitors/{id}/edit): every option of the monitors API, with the
// API's own 422 messages shown beside their fields (the error's `loc`).
import { api } from "../api.js";
import { useApi } from "../data.js";
import { html, useState } from "../html.js";
import { navigate } from "../router.js";
import { AssertionsEditor, fromRow, toRow } from "../ui/assertions.js";
import { ErrorBanner, Loading, Notice } from "../ui/feedback.js";
import { CheckboxField, Field, SelectField, TextField } from "../ui/field.js";
import { Page } from "../ui/page.js";

// Every field of the API's MonitorCreate the form sets (services/web/tests/test_api_drift.py compares this
// list with the OpenAPI document, so that a new API option cannot be forgotten here).
export const FORM_FIELDS = ["type", "url", "name", "interval_seconds", "timeout_seconds", "regions", "paused",
  "method", "headers", "body", "follow_redirects", "expected_status", "verify_tls", "assertions", "tls_warn_days",
  "grace_seconds", "quorum", "confirmation_period_seconds", "recovery_period_seconds", "channel_ids",
  "reminder_interval_seconds", "escalate_after_seconds", "escalation_channel_ids", "depends_on"];
// Set elsewhere, never by this form: the Kubernetes operator's mark.
export const NOT_IN_FORM = ["managed_by"];

const TYPES = [["http", "HTTP(S): a URL answers"], ["tcp", "TCP: a port accepts connections"],
  ["tls", "TLS: a certificate is valid and not about to expire"], ["heartbeat", "Heartbeat: your job pings Uptick"]];
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map((m) => [m, m]);

const text = (v) => (v === null || v === undefined ? "" : String(v));

/** The form's values (all text or booleans) from a monitor of the API, or the defaults of a new one. */
function initial(monitor, regions) {
  const m = monitor || {};
  return {
    type: m.type || "http", url: m.type === "heartbeat" ? "" : text(m.url), name: text(m.name),
    interval_seconds: text(m.interval_seconds ?? 180), timeout_seconds: text(m.timeout_seconds),
    regions: m.regions || regions, paused: !!m.paused, method: m.method || "GET",
    headers: Object.entries(m.headers || {}).map(([k, v]) => `${k}: ${v}`).join("\n"), body: text(m.body),
    follow_redirects: m.follow_redirects ?? true, verify_tls: m.verify_tls ?? true,
    expected_status: (m.expected_status || ["200-399"]).join(", "),
    assertions: (m.assertions || []).map(toRow), tls_warn_days: text(m.tls_warn_days ?? 14),
    grace_seconds: text(m.grace_seconds ?? 0), quorum: text(m.quorum),
    confirmation_period_seconds: text(m.confirmation_period_seconds ?? 0),
    recovery_period_seconds: text(m.recovery_period_seconds ?? 0),
    default_channels: !m.channel_ids, channel_ids: m.channel_ids || [],
    reminder_interval_seconds: text(m.reminder_interval_seconds), escalate_after_seconds: text(m.escalate_after_seconds),
    escalation_channel_ids: m.escalation_channel_ids || [], depends_on: text(m.depends_on),
  };
}

const optionalNumber = (v) => (v.trim() === "" ? null : Number.isFinite(Number(v)) ? Number(v) : v);

function headersOf(textValue) {
  const headers = {};
  for (const line of textValue.split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf(":");
    if (at < 0) headers[line.trim()] = "";
    else headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

/** The API's body from the form's values. */
export function bodyOf(v) {
  const statuses = v.expected_status.split(",").map((s) => s.trim()).filter(Boolean)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return {
    type: v.type, url: v.type === "heartbeat" ? null : v.url.trim(), name: v.name.trim() || null,
    interval_seconds: optionalNumber(v.interval_seconds), timeout_seconds: optionalNumber(v.timeout_seconds),
    regions: v.regions, paused: v.paused, method: v.method, headers: headersOf(v.headers),
    body: v.body === "" ? null : v.body, follow_redirects: v.follow_redirects, expected_status: statuses,
    verify_tls: v.verify_tls, assertions: v.assertions.map(fromRow), tls_warn_days: optionalNumber(v.tls_warn_days),
    grace_seconds: optionalNumber(v.grace_seconds), quorum: optionalNumber(v.quorum),
    confirmation_period_seconds: optionalNumber(v.confirmation_period_seconds),
    recovery_period_seconds: optionalNumber(v.recovery_period_seconds),
    channel_ids: v.default_channels ? null : v.channel_ids,
    reminder_interval_seconds: optionalNumber(v.reminder_interval_seconds),
    escalate_after_seconds: optionalNumber(v.escalate_after_seconds),
    escalation_channel_ids: v.escalation_channel_ids.length ? v.escalation_channel_ids : null,
    depends_on: optionalNumber(v.depends_on),
  };
}

/** The message for a field: its own, or the first of its parts (headers.X-Key, expected_status.0). */
function errorFor(fields, name) {
  if (fields[name]) return fields[name];
  const part = Object.keys(fields).find((key) => key.startsWith(`${name}.`));
  return part ? fields[part] : undefined;
}

function Choices({ legend, options, chosen, onValue, error, hint }) {
  return html`<fieldset class="choices">
    <legend>${legend}</legend>
    ${hint && html`<p class="hint">${hint}</p>`}
    <div class="choice-list">${options.map(([value, label]) => html`<label class="choice">
      <input type="checkbox" checked=${chosen.includes(value)}
        onChange=${(e) => onValue(e.currentTarget.checked ? [...chosen, value] : chosen.filter((c) => c !== value))} />
      ${label}</label>`)}</div>
    ${error && html`<p class="field-error">${error}</p>`}
  </fieldset>`;
}

function MonitorForm({ monitor, context }) {
  const [values, setValues] = useState(() => initial(monitor, context.regions));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (name) => (value) => setValues((v) => ({ ...v, [name]: value }));
  const f = error?.fields || {};
  const e = (name) => errorFor(f, name);
  const http = values.type === "http";
  const channels = context.channels.map((c) => [c.id, `${c.name} (${c.type})`]);
  const others = context.monitors.filter((m) => !monitor || m.id !== monitor.id).map((m) => [String(m.id), m.name]);

  const save = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = bodyOf(values);
      const saved = monitor ? await api.patch(`/api/monitors/${monitor.id}`, body) : await api.post("/api/monitors", body);
      navigate(`/monitors/${saved.id}`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
      window.scrollTo(0, 0);
    }
  };
  const banner = error && (f.request ? { message: f.request } : error);

  return html`<form class="monitor-form" onSubmit=${save} noValidate>
    <${ErrorBanner} error=${banner} />
    <fieldset class="card"><legend>What to check</legend>
      <${SelectField} label="Type" value=${values.type} onValue=${set("type")} options=${TYPES} error=${e("type")} />
      ${values.type !== "heartbeat" && html`<${TextField} label=${values.type === "http" ? "URL" : "Host and port"}
        value=${values.url} onValue=${set("url")} error=${e("url")} inputmode="url" autocomplete="off"
        hint=${values.type === "http" ? "https://example.com/health" : "example.com:443"} />`}
      <${TextField} label="Name" value=${values.name} onValue=${set("name")} error=${e("name")}
        hint="Shown in the list and in alerts; empty: the host." />
    </fieldset>

    <fieldset class="card"><legend>Schedule</legend>
      <div class="field-row">
        <${TextField} label=${values.type === "heartbeat" ? "Expected every (seconds)" : "Check every (seconds)"}
          type="number" value=${values.interval_seconds} onValue=${set("interval_seconds")} error=${e("interval_seconds")} />
        ${values.type !== "heartbeat" && html`<${TextField} label="Timeout (seconds)" type="number"
          value=${values.timeout_seconds} onValue=${set("timeout_seconds")} error=${e("timeout_seconds")}
          hint="Empty: 10 s, or less than the interval." />`}
        ${values.type === "heartbeat" && html`<${TextField} label="Grace (seconds)" type="number"
          value=${values.grace_seconds} onValue=${set("grace_seconds")} error=${e("grace_seconds")}
          hint="How late a ping may be." />`}
      </div>
      ${values.type !== "heartbeat" && html`<${Choices} legend="Regions" options=${context.regions.map((r) => [r, r])}
        chosen=${values.regions} onValue=${set("regions")} error=${e("regions")} hint="Where it is checked from." />`}
      <${CheckboxField} label="Paused (not checked, no alerts)" checked=${values.paused} onValue=${set("paused")} />
    </fieldset>

    ${http && html`<fieldset class="card"><legend>Request</legend>
      <${SelectField} label="Method" value=${values.method} onValue=${set("method")} options=${METHODS} error=${e("method")} />
      <${Field} label="Headers" error=${e("headers")} hint="One per line: Name: value">${(p) => html`<textarea ...${p}
        value=${values.headers} onInput=${(ev) => set("headers")(ev.currentTarget.value)} spellcheck="false"></textarea>`}<//>
      <${Field} label="Body" error=${e("body")}>${(p) => html`<textarea ...${p} value=${values.body}
        onInput=${(ev) => set("body")(ev.currentTarget.value)} spellcheck="false"></textarea>`}<//>
      <${TextField} label="Up when the status is" value=${values.expected_status} onValue=${set("expected_status")}
        error=${e("expected_status")} hint="Codes and ranges, e.g. 200-399 or 200, 204" />
      <${CheckboxField} label="Follow redirects" checked=${values.follow_redirects} onValue=${set("follow_redirects")} />
      <${CheckboxField} label="Verify the TLS certificate" checked=${values.verify_tls} onValue=${set("verify_tls")} />
    </fieldset>`}

    ${values.type === "tls" && html`<fieldset class="card"><legend>Certificate</legend>
      <${TextField} label="Down with fewer days left than" type="number" value=${values.tls_warn_days}
        onValue=${set("tls_warn_days")} error=${e("tls_warn_days")} /></fieldset>`}

    ${values.type !== "heartbeat" && html`<fieldset class="card"><legend>Assertions</legend>
      <p class="hint">All must hold for a check to be up.</p>
      <${AssertionsEditor} rows=${values.assertions} onChange=${set("assertions")} errors=${f} monitorType=${values.type} />
    </fieldset>`}

    <fieldset class="card"><legend>When is it down</legend>
      <div class="field-row">
        ${values.type !== "heartbeat" && html`<${TextField} label="Regions that must fail" type="number"
          value=${values.quorum} onValue=${set("quorum")} error=${e("quorum")} hint="Empty: a majority." />`}
        <${TextField} label="Failing for (seconds) before down" type="number" value=${values.confirmation_period_seconds}
          onValue=${set("confirmation_period_seconds")} error=${e("confirmation_period_seconds")} />
        <${TextField} label="Passing for (seconds) before up again" type="number" value=${values.recovery_period_seconds}
          onValue=${set("recovery_period_seconds")} error=${e("recovery_period_seconds")} />
      </div>
    </fieldset>

    <fieldset class="card"><legend>Alerts</legend>
      <${CheckboxField} label="Alert the organization's default channels" checked=${values.default_channels}
        onValue=${set("default_channels")} />
      ${!values.default_channels && (channels.length
        ? html`<${Choices} legend="Channels" options=${channels} chosen=${values.channel_ids} onValue=${set("channel_ids")}
            error=${e("channel_ids")} />`
        : html`<p class="hint">No channels yet: add one under Channels, or keep the defaults.</p>`)}
      <div class="field-row">
        <${TextField} label="Remind every (seconds)" type="number" value=${values.reminder_interval_seconds}
          onValue=${set("reminder_interval_seconds")} error=${e("reminder_interval_seconds")}
          hint="While an incident is open and not acknowledged; empty: no reminders." />
        <${TextField} label="Escalate after (seconds)" type="number" value=${values.escalate_after_seconds}
          onValue=${set("escalate_after_seconds")} error=${e("escalate_after_seconds")} hint="Empty: never." />
      </div>
      ${channels.length > 0 && html`<${Choices} legend="Escalation channels" options=${channels}
        chosen=${values.escalation_channel_ids} onValue=${set("escalation_channel_ids")} error=${e("escalation_channel_ids")} />`}
      <${SelectField} label="Depends on" value=${values.depends_on} onValue=${set("depends_on")} error=${e("depends_on")}
        options=${[["", "Nothing"], ...others]} hint="While that monitor is down, this one alerts nothing." />
    </fieldset>

    <div class="actions">
      <button type="submit" disabled=${busy}>${busy ? "Saving…" : monitor ? "Save changes" : "Add monitor"}</button>
      <a class="button button-secondary" href=${monitor ? `/monitors/${monitor.id}` : "/"}>Cancel</a>
    </div>
  </form>`;
}

async function loadContext(signal) {
  const [regions, channels, monitors] = await Promise.all([
    api.get("/api/regions", { signal }), api.get("/api/channels", { signal, query: { limit: 500 } }),
    api.get("/api/monitors/summary", { signal }),
  ]);
  return { regions: regions.regions, channels: channels.items, monitors: monitors.items };
}

export function NewMonitorPage() {
  const context = useApi(loadContext);
  return html`<${Page} title="Add a monitor">
    ${context.error && html`<${ErrorBanner} error=${context.error} onRetry=${context.reload} />`}
    ${context.loading ? html`<${Loading} />` : context.data && html`<${MonitorForm} context=${context.data} />`}
  <//>`;
}

export function EditMonitorPage({ params }) {
  const loaded = useApi(async (signal) => ({
    monitor: await api.get(`/api/monitors/${params.id}`, { signal }), context: await loadContext(signal),
  }), [params.id]);
  const monitor = loaded.data?.monitor;
  return html`<${Page} title=${monitor ? `Edit ${monitor.name}` : "Edit monitor"}>
    ${loaded.error && html`<${ErrorBanner} error=${loaded.error} onRetry=${loaded.reload} />`}
    ${loaded.loading && html`<${Loading} />`}
    ${monitor && monitor.managed_by && html`<${Notice}>This monitor is managed by ${monitor.managed_by}: change it
      there. <a href=${`/monitors/${monitor.id}`}>Back to the monitor</a><//>`}
    ${monitor && !monitor.managed_by && html`<${MonitorForm} monitor=${monitor} context=${loaded.data.context} />`}
  <//>`;
}
