// Alert channels: the list (failing ones marked, as the API's `health` says), a new channel (its type's
// config fields, the API's 422 beside each field; a webhook's signing secret shown once), and one channel's
// page: edit, send a test notification (the receiver's answer shown), recent deliveries, delete.
import { api } from "../api.js";
import { CHANNEL_TYPES, configOf, formValues } from "../channels.js";
import { useApi } from "../data.js";
import { html, useState } from "../html.js";
import { canEdit } from "../roles.js";
import { navigate, useLocation } from "../router.js";
import { ConfirmButton } from "../ui/confirm.js";
import { CopyField } from "../ui/copy.js";
import { ErrorBanner, EmptyState, Loading, Notice } from "../ui/feedback.js";
import { CheckboxField, Field, SelectField, TextField } from "../ui/field.js";
import { Page } from "../ui/page.js";
import { formatDate, RelativeTime } from "../ui/time.js";

const TYPE_OPTIONS = Object.entries(CHANNEL_TYPES).map(([type, { label }]) => [type, label]);

export function ChannelHealth({ health }) {
  if (health.status === "failing") {
    const times = health.consecutive_failures;
    return html`<span class="pill pill-down"><span aria-hidden="true">▲</span> Failing
      ${times > 1 ? html`<span class="visually-hidden">,</span> ${times} in a row` : ""}</span>`;
  }
  if (health.status === "ok") return html`<span class="pill pill-up"><span aria-hidden="true">●</span> Working</span>`;
  return html`<span class="pill pill-paused"><span aria-hidden="true">◌</span> Not used yet</span>`;
}

export function ChannelsPage() {
  const list = useApi((signal) => api.get("/api/channels", { signal, query: { limit: 500 } }), []);
  const editor = canEdit();
  const add = editor && html`<a class="button" href="/channels/new">Add a channel</a>`;
  const items = list.data ? list.data.items : null;
  const failing = items ? items.filter((c) => c.health.status === "failing") : [];
  return html`<${Page} title="Alert channels" actions=${add}>
    <${ErrorBanner} error=${list.error} onRetry=${list.reload} />
    ${!items && !list.error && html`<${Loading} />`}
    ${items && items.length === 0 && html`<${EmptyState} title="No alert channels yet" action=${add}>
      <p>A channel is where Uptick tells you that a monitor went down and came back: Slack, e-mail, a webhook,
        PagerDuty, Discord, Teams, Telegram or ntfy. Add one, send it a test, then mark it a default channel
        or choose it on your monitors.</p><//>`}
    ${failing.length > 0 && html`<div class="banner banner-error" role="alert"><p>
      ${failing.length === 1 ? `The channel “${failing[0].name}” is failing` : `${failing.length} channels are failing`}:
      its last notification was not delivered. Open it to see why, fix it, and send a test.</p></div>`}
    ${items && items.length > 0 && html`<div class="table-wrap"><table class="data">
      <caption class="visually-hidden">Alert channels</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Health</th>
        <th scope="col">Last attempt</th><th scope="col">Default</th></tr></thead>
      <tbody>${items.map((c) => html`<tr key=${c.id} class=${c.health.status === "failing" ? "row-failing" : ""}>
        <td data-label="Name"><a href=${`/channels/${c.id}`}>${c.name}</a></td>
        <td data-label="Type">${CHANNEL_TYPES[c.type] ? CHANNEL_TYPES[c.type].label : c.type}</td>
        <td data-label="Health"><${ChannelHealth} health=${c.health} />
          ${c.health.last_error && html`<div class="cause muted">${c.health.last_error}</div>`}</td>
        <td data-label="Last attempt"><${RelativeTime} at=${c.health.last_attempt_at} fallback="none yet" /></td>
        <td data-label="Default">${c.is_default ? "Yes: alerts for monitors that name no channel" : "No"}</td>
      </tr>`)}</tbody></table></div>`}
  <//>`;
}

function ConfigFields({ type, values, setValue, errors, editing, original }) {
  return CHANNEL_TYPES[type].fields.map((field) => {
    const error = errors[`config.${field.name}`];
    const keeps = editing && field.secret && original[field.name] === "(hidden)";
    const hint = keeps ? `${field.hint ? `${field.hint} ` : ""}Stored and hidden: leave empty to keep it.` : field.hint;
    if (field.kind === "select") {
      return html`<${SelectField} key=${field.name} label=${field.label} error=${error} hint=${hint}
        value=${values[field.name]} onValue=${(v) => setValue(field.name, v)} options=${field.options} />`;
    }
    if (field.kind === "json") {
      return html`<${Field} key=${field.name} label=${field.label} error=${error} hint=${hint}>${(p) => html`
        <textarea ...${p} value=${values[field.name]} spellcheck="false"
          onInput=${(e) => setValue(field.name, e.currentTarget.value)}></textarea>`}<//>`;
    }
    return html`<${TextField} key=${field.name} label=${field.label} error=${error} hint=${hint}
      type=${field.type === "number" ? "text" : field.type || "text"}
      inputmode=${field.type === "number" ? "numeric" : undefined}
      required=${field.required && !keeps} placeholder=${keeps ? "(hidden)" : field.placeholder}
      autocomplete=${field.autocomplete} value=${values[field.name]} onValue=${(v) => setValue(field.name, v)} />`;
  });
}

/** The form of a new channel (`channel` null) or of an existing one; `onSaved(answer)` after the API took it. */
function ChannelForm({ channel, initialType = "webhook", onSaved }) {
  const editing = !!channel;
  const [type, setType] = useState(channel ? channel.type : initialType);
  const [name, setName] = useState(channel ? channel.name : "");
  const [isDefault, setDefault] = useState(channel ? channel.is_default : false);
  const [values, setValues] = useState(formValues(type, channel ? channel.config : {}));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const errors = (error && error.fields) || {};
  const setValue = (key, value) => setValues((v) => ({ ...v, [key]: value }));
  const chooseType = (next) => { setType(next); setValues(formValues(next)); setError(null); };

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      const config = configOf(type, values, editing ? channel.config : {});
      const answer = editing
        ? await api.patch(`/api/channels/${channel.id}`, { name, config, is_default: isDefault })
        : await api.post("/api/channels", { type, name, config, is_default: isDefault });
      onSaved(answer);
    } catch (failure) { setError(failure); } finally { setBusy(false); }
  };
  const known = new Set(["name", "type", "is_default", ...CHANNEL_TYPES[type].fields.map((f) => `config.${f.name}`)]);
  const unplaced = error && Object.entries(errors).filter(([key]) => !known.has(key));
  return html`<form class="card form" onSubmit=${submit} novalidate>
    ${error && html`<${ErrorBanner} error=${unplaced && unplaced.length ? unplaced.map(([, m]) => m).join("; ")
      : error.message} />`}
    ${!editing && html`<${SelectField} label="Type" value=${type} onValue=${chooseType} options=${TYPE_OPTIONS}
      error=${errors.type} />`}
    <${TextField} label="Name" value=${name} onValue=${setName} error=${errors.name} required maxlength="200"
      hint="How this channel is listed, e.g. “#ops on Slack”." />
    <${ConfigFields} type=${type} values=${values} setValue=${setValue} errors=${errors} editing=${editing}
      original=${editing ? channel.config : {}} />
    <${CheckboxField} label="Default channel: alerts for every monitor that names no channels of its own"
      checked=${isDefault} onValue=${setDefault} error=${errors.is_default} />
    <div class="actions"><button type="submit" disabled=${busy}>${editing ? "Save changes" : "Add channel"}</button>
      <a class="button button-secondary" href=${editing ? `/channels/${channel.id}` : "/channels"}>Cancel</a></div>
  </form>`;
}

export function NewChannelPage() {
  const { query } = useLocation();
  const [created, setCreated] = useState(null);
  if (!canEdit()) {
    return html`<${Page} title="Add a channel"><${Notice}>Your role (viewer) cannot add channels: ask an editor,
      admin or owner of this organization.<//><//>`;
  }
  if (created && created.type === "webhook") {
    return html`<${Page} title=${`Channel “${created.name}” added`}>
      <div class="card narrow-wide">
        <p>Receivers verify each request with this signing secret. Copy it now and keep it in your receiver's
          settings; this page shows it this once.</p>
        <${CopyField} label="Signing secret" value=${created.config.secret}
          hint="Standard Webhooks: verify webhook-signature with any of their libraries." />
        <div class="actions"><a class="button" href=${`/channels/${created.id}`}>Done: send it a test</a></div>
      </div><//>`;
  }
  const type = CHANNEL_TYPES[query.get("type")] ? query.get("type") : "webhook";
  return html`<${Page} title="Add a channel">
    <${ChannelForm} channel=${null} initialType=${type} onSaved=${(answer) => (answer.type === "webhook"
      ? setCreated(answer) : navigate(`/channels/${answer.id}`))} />
  <//>`;
}

function TestResult({ result }) {
  if (!result) return null;
  const took = result.duration_ms !== null && result.duration_ms !== undefined ? ` in ${result.duration_ms} ms` : "";
  const code = result.status_code ? ` answered ${result.status_code}` : "";
  const text = {
    delivered: `Delivered: the receiver${code || " accepted it"}${took}.`,
    failed: `Not delivered: the receiver${code || " could not be reached"}${took}.`,
    queued: "Sent to the notifier, which has not picked it up yet: see the deliveries below in a moment.",
    sending: "Still sending after 15 seconds: see the deliveries below in a moment.",
  }[result.outcome];
  return html`<div class=${`banner ${result.outcome === "delivered" ? "banner-info" : "banner-error"}`} role="status">
    <p><strong>${text}</strong></p>
    ${result.answer && html`<p>What it said:</p><pre class="answer">${result.answer}</pre>`}
  </div>`;
}

function Deliveries({ channelId, round }) {
  const list = useApi((signal) => api.get(`/api/channels/${channelId}/deliveries`, { signal, query: { limit: 20 } }),
    [channelId, round]);
  if (list.error) return html`<${ErrorBanner} error=${list.error} onRetry=${list.reload} />`;
  if (!list.data) return html`<${Loading} />`;
  if (!list.data.items.length) {
    return html`<p class="muted">No deliveries yet. Send a test notification to try this channel.</p>`;
  }
  return html`<div class="table-wrap"><table class="data">
    <caption class="visually-hidden">Recent deliveries, newest first</caption>
    <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Attempt</th>
      <th scope="col">Outcome</th><th scope="col">Answer</th></tr></thead>
    <tbody>${list.data.items.map((d) => html`<tr key=${d.id}>
      <td data-label="When"><${RelativeTime} at=${d.started_at} /></td>
      <td data-label="Event">${d.event}${(d.incident_ids || []).map((id) => html` <a href=${`/incidents/${id}`}
        aria-label=${`incident ${id}`}>#${id}</a>`)}</td>
      <td data-label="Attempt">${d.attempt}</td>
      <td data-label="Outcome"><span class=${`outcome outcome-${d.outcome}`}>${d.outcome}</span></td>
      <td data-label="Answer" class="cause">${d.status_code ? `${d.status_code} ` : ""}${d.detail || ""}${d.duration_ms !== null
        ? html` <span class="muted">(${d.duration_ms} ms)</span>` : ""}</td>
    </tr>`)}</tbody></table></div>`;
}

export function ChannelPage({ params }) {
  const channel = useApi((signal) => api.get(`/api/channels/${encodeURIComponent(params.id)}`, { signal }), [params.id]);
  const [editing, setEditing] = useState(false);
  const [result, setResult] = useState(null);
  const [rotated, setRotated] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [round, setRound] = useState(0);
  const editor = canEdit();
  if (!channel.data) {
    return html`<${Page} title="Alert channel">${channel.error
      ? html`<${ErrorBanner} error=${channel.error} /><p><a href="/channels">All channels</a></p>` : html`<${Loading} />`}<//>`;
  }
  const data = channel.data;
  const act = async (work) => {
    setBusy(true); setError(null);
    try { await work(); } catch (failure) { setError(failure); } finally { setBusy(false); }
  };
  const test = () => act(async () => {
    setResult(null);
    setResult(await api.post(`/api/channels/${data.id}/test`));
    setRound((n) => n + 1);
    channel.reload();
  });
  const rotate = () => act(async () => {
    const answer = await api.patch(`/api/channels/${data.id}`, { rotate_secret: true });
    channel.setData(answer);
    setRotated(answer.config.secret);
  });
  const remove = () => act(async () => { await api.delete(`/api/channels/${data.id}`); navigate("/channels"); });
  if (editing) {
    return html`<${Page} title=${`Edit “${data.name}”`}>
      <${ChannelForm} channel=${data} onSaved=${(answer) => { channel.setData(answer); setEditing(false); }} />
    <//>`;
  }
  const label = CHANNEL_TYPES[data.type] ? CHANNEL_TYPES[data.type].label : data.type;
  const actions = editor && html`
    <button type="button" onClick=${test} disabled=${busy}>${busy ? "Sending…" : "Send a test notification"}</button>
    <button type="button" class="button-secondary" onClick=${() => setEditing(true)}>Edit</button>
    <${ConfirmButton} label="Delete" danger question=${`Delete the channel “${data.name}”?`}
      detail="Monitors that named it stop alerting through it (their other channels still do)." onConfirm=${remove} />`;
  return html`<${Page} title=${data.name} actions=${actions}>
    <p><a href="/channels">← All channels</a></p>
    <${ErrorBanner} error=${error} />
    <${TestResult} result=${result} />
    <section class="card" aria-labelledby="ch-h"><h2 id="ch-h">${label} channel</h2>
      <dl class="facts">
        <div><dt>Health</dt><dd><${ChannelHealth} health=${data.health} /></dd></div>
        <div><dt>Last attempt</dt><dd>${data.health.last_attempt_at ? formatDate(data.health.last_attempt_at)
          : "none yet"}</dd></div>
        ${data.health.last_error && html`<div class="wide"><dt>Last error</dt><dd class="cause">
          ${data.health.last_error}</dd></div>`}
        <div><dt>Default channel</dt><dd>${data.is_default ? "Yes: alerts for monitors that name no channel" : "No"}</dd></div>
        ${CHANNEL_TYPES[data.type] && CHANNEL_TYPES[data.type].fields.filter((f) => f.name in data.config
          && data.config[f.name] !== null && f.kind !== "json").map((f) => html`<div key=${f.name}>
          <dt>${f.label}</dt><dd class="cause">${Array.isArray(data.config[f.name])
            ? data.config[f.name].join(", ") : String(data.config[f.name])}</dd></div>`)}
      </dl>
      ${data.type === "webhook" && editor && html`<div class="actions">
        <${ConfirmButton} label="Make a new signing secret" question="Make a new signing secret?"
          detail="The current secret keeps signing beside the new one for a day, so that receivers can switch."
          onConfirm=${rotate} /></div>`}
      ${rotated && html`<${CopyField} label="New signing secret" value=${rotated}
        hint="Shown this once: put it in your receiver's settings within a day." />`}
    </section>
    <section class="card" aria-labelledby="del-h"><h2 id="del-h">Recent deliveries</h2>
      <${Deliveries} channelId=${data.id} round=${round} /></section>
  <//>`;
}
