// Status pages (admin): the list with links to the public pages, a page's form (slug, title, description,
// groups of monitors with a per-monitor "show its URL"), delete, and Markdown badge snippets of its monitors.
import { api } from "../api.js";
import { useApi } from "../data.js";
import { html, useState } from "../html.js";
import { canEdit } from "../roles.js";
import { navigate } from "../router.js";
import { ConfirmButton } from "../ui/confirm.js";
import { CopyField } from "../ui/copy.js";
import { ErrorBanner, EmptyState, Loading, Notice } from "../ui/feedback.js";
import { CheckboxField, Field, TextField } from "../ui/field.js";
import { Page } from "../ui/page.js";
import { RelativeTime } from "../ui/time.js";

const BADGES = [["status", "status"], ["uptime_24h", "uptime 24 h"], ["uptime_7d", "uptime 7 days"],
  ["uptime_30d", "uptime 30 days"], ["latency", "response time"]];

function useMonitors() {
  const answer = useApi((signal) => api.get("/api/monitors", { signal, query: { limit: 500 } }), []);
  return { ...answer, items: (answer.data && answer.data.items) || [] };
}

export function StatusPagesPage() {
  const list = useApi((signal) => api.get("/api/status-pages", { signal, query: { limit: 100 } }), []);
  const editor = canEdit();
  const add = editor && html`<a class="button" href="/status-pages/new">Create a status page</a>`;
  const items = list.data ? list.data.items : null;
  return html`<${Page} title="Status pages" actions=${add}>
    <${ErrorBanner} error=${list.error} onRetry=${list.reload} />
    ${!items && !list.error && html`<${Loading} />`}
    ${items && items.length === 0 && html`<${EmptyState} title="No status pages yet" action=${add}>
      <p>A status page tells your users, without logging in, whether your services are up: the monitors you
        choose, in groups, with 90 days of uptime and your incidents. It works without JavaScript.</p><//>`}
    ${items && items.length > 0 && html`<div class="table-wrap"><table class="data">
      <caption class="visually-hidden">Status pages</caption>
      <thead><tr><th scope="col">Title</th><th scope="col">Public page</th><th scope="col">Monitors</th>
        <th scope="col">Changed</th></tr></thead>
      <tbody>${items.map((p) => html`<tr key=${p.id}>
        <td data-label="Title"><a href=${`/status-pages/${p.id}`}>${p.title}</a></td>
        <td data-label="Public page"><a href=${p.public_url} target="_blank" rel="noopener">${p.public_url}<span class="visually-hidden">
          (opens in a new tab)</span></a></td>
        <td data-label="Monitors">${p.monitor_ids.length}</td><td data-label="Changed"><${RelativeTime} at=${p.updated_at} /></td></tr>`)}
      </tbody></table></div>`}
  <//>`;
}

function GroupEditor({ index, group, monitors, used, onChange, onRemove, count }) {
  const [adding, setAdding] = useState("");
  const names = new Map(monitors.map((m) => [m.id, m.name]));
  const free = monitors.filter((m) => !used.has(m.id));
  const set = (changes) => onChange({ ...group, ...changes });
  const setMonitor = (i, changes) => set({ monitors: group.monitors.map((m, j) => (j === i ? { ...m, ...changes } : m)) });
  const move = (i, by) => {
    const next = group.monitors.slice();
    [next[i], next[i + by]] = [next[i + by], next[i]];
    set({ monitors: next });
  };
  return html`<fieldset class="group">
    <legend>Group ${index + 1}</legend>
    <${TextField} label="Heading (optional)" value=${group.name || ""} onValue=${(v) => set({ name: v })}
      maxlength="100" hint="E.g. “Website” or “API”. Empty: no heading." />
    ${group.monitors.length === 0 && html`<p class="muted">No monitors in this group yet.</p>`}
    <ul class="group-monitors">${group.monitors.map((m, i) => html`<li key=${m.monitor_id}>
      <span class="group-monitor-name">${names.get(m.monitor_id) || `monitor ${m.monitor_id}`}</span>
      <${CheckboxField} label="Show its URL" checked=${m.show_url} onValue=${(v) => setMonitor(i, { show_url: v })} />
      <span class="row-actions">
        <button type="button" class="button-secondary" disabled=${i === 0} onClick=${() => move(i, -1)}
          aria-label=${`Move ${names.get(m.monitor_id)} up`}>↑</button>
        <button type="button" class="button-secondary" disabled=${i === group.monitors.length - 1}
          onClick=${() => move(i, 1)} aria-label=${`Move ${names.get(m.monitor_id)} down`}>↓</button>
        <button type="button" class="button-secondary" aria-label=${`Remove ${names.get(m.monitor_id)} from the page`}
          onClick=${() => set({ monitors: group.monitors.filter((_, j) => j !== i) })}>Remove</button>
      </span></li>`)}</ul>
    ${free.length > 0 && html`<div class="inline-form">
      <${Field} label=${`Add a monitor to group ${index + 1}`}>${(p) => html`<select ...${p} value=${adding}
        onChange=${(e) => setAdding(e.currentTarget.value)}>
        <option value="">Choose a monitor…</option>
        ${free.map((m) => html`<option value=${m.id} selected=${String(m.id) === adding}>${m.name}</option>`)}
      </select>`}<//>
      <div class="field"><button type="button" class="button-secondary" disabled=${!adding} onClick=${() => {
        set({ monitors: [...group.monitors, { monitor_id: Number(adding), show_url: false }] }); setAdding("");
      }}>Add</button></div></div>`}
    ${count > 1 && html`<button type="button" class="link-button" onClick=${onRemove}>Remove group ${index + 1}</button>`}
  </fieldset>`;
}

function PageForm({ page, onSaved }) {
  const monitors = useMonitors();
  const [slug, setSlug] = useState(page ? page.slug : "");
  const [title, setTitle] = useState(page ? page.title : "");
  const [description, setDescription] = useState(page ? page.description || "" : "");
  const [groups, setGroups] = useState(page && page.groups.length ? page.groups : [{ name: "", monitors: [] }]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const errors = (error && error.fields) || {};
  const used = new Set(groups.flatMap((g) => g.monitors.map((m) => m.monitor_id)));
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true); setError(null);
    const body = { slug, title, description: description || null,
      groups: groups.map((g) => ({ name: (g.name || "").trim() || null, monitors: g.monitors })) };
    try {
      onSaved(page ? await api.patch(`/api/status-pages/${page.id}`, body) : await api.post("/api/status-pages", body));
    } catch (failure) { setError(failure); } finally { setBusy(false); }
  };
  const placed = new Set(["slug", "title", "description", "groups"]);
  const rest = Object.entries(errors).filter(([key]) => !placed.has(key) && !key.startsWith("groups."));
  const groupErrors = Object.entries(errors).filter(([key]) => key === "groups" || key.startsWith("groups."));
  return html`<form class="card form" onSubmit=${submit} novalidate>
    ${error && (rest.length || !Object.keys(errors).length) && html`<${ErrorBanner}
      error=${rest.length ? rest.map(([, m]) => m).join("; ") : error} />`}
    <${TextField} label="Title" value=${title} onValue=${setTitle} error=${errors.title} required maxlength="200"
      hint="The page's heading, e.g. “Acme status”." />
    <${TextField} label="Address (slug)" value=${slug} onValue=${(v) => setSlug(v.toLowerCase())} error=${errors.slug}
      required maxlength="64" hint=${`The public page is at ${window.location.origin}/status/${slug || "…"}: lowercase letters, digits and -.`} />
    <${Field} label="Description (optional)" error=${errors.description}
      hint="Plain text shown under the title.">${(p) => html`<textarea ...${p} value=${description}
      maxlength="2000" onInput=${(e) => setDescription(e.currentTarget.value)}></textarea>`}<//>
    <h2>Monitors</h2>
    ${monitors.data && monitors.items.length === 0 && html`<${Notice}>You have no monitors yet:
      <a href="/">add one</a> first, then put it on the page.<//>`}
    ${groupErrors.map(([key, m]) => html`<p class="field-error" key=${key} role="alert">${m}</p>`)}
    ${groups.map((g, i) => html`<${GroupEditor} key=${i} index=${i} group=${g} monitors=${monitors.items} used=${used}
      count=${groups.length} onChange=${(next) => setGroups(groups.map((x, j) => (j === i ? next : x)))}
      onRemove=${() => setGroups(groups.filter((_, j) => j !== i))} />`)}
    <button type="button" class="button-secondary" onClick=${() => setGroups([...groups, { name: "", monitors: [] }])}>
      Add a group</button>
    <div class="actions"><button type="submit" disabled=${busy}>${page ? "Save changes" : "Create status page"}</button>
      <a class="button button-secondary" href=${page ? `/status-pages/${page.id}` : "/status-pages"}>Cancel</a></div>
  </form>`;
}

export function NewStatusPagePage() {
  if (!canEdit()) {
    return html`<${Page} title="Create a status page"><${Notice}>Your role (viewer) cannot create status pages.<//><//>`;
  }
  return html`<${Page} title="Create a status page">
    <${PageForm} page=${null} onSaved=${(answer) => navigate(`/status-pages/${answer.id}`)} /><//>`;
}

function BadgeSnippets({ page, monitors }) {
  const onPage = monitors.filter((m) => page.monitor_ids.includes(m.id));
  if (!onPage.length) return null;
  if (!onPage.some((m) => m.badges)) {
    return html`<p class="muted">Badges are not available on this Uptick yet.</p>`;
  }
  const origin = window.location.origin;
  return onPage.filter((m) => m.badges).map((m) => html`<div key=${m.id} class="badges">
    <h3>${m.name}</h3>
    <p class="badge-row">${BADGES.filter(([kind]) => m.badges[kind]).map(([kind, label]) => html`
      <img key=${kind} src=${m.badges[kind]} alt=${`${m.name}: ${label}`} height="20" />`)}</p>
    ${BADGES.filter(([kind]) => m.badges[kind]).map(([kind, label]) => html`<${CopyField} key=${kind}
      label=${`Markdown: ${label} badge of ${m.name}`}
      value=${`[![${m.name} ${label}](${origin}${m.badges[kind]})](${origin}${page.public_url})`} />`)}
  </div>`);
}

export function StatusPageAdminPage({ params }) {
  const page = useApi((signal) => api.get(`/api/status-pages/${encodeURIComponent(params.id)}`, { signal }), [params.id]);
  const monitors = useMonitors();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState(null);
  const editor = canEdit();
  if (!page.data) {
    return html`<${Page} title="Status page">${page.error ? html`<${ErrorBanner} error=${page.error} />
      <p><a href="/status-pages">All status pages</a></p>` : html`<${Loading} />`}<//>`;
  }
  const data = page.data;
  if (editing) {
    return html`<${Page} title=${`Edit “${data.title}”`}>
      <${PageForm} page=${data} onSaved=${(answer) => { page.setData(answer); setEditing(false); }} /><//>`;
  }
  const remove = async () => {
    try { await api.delete(`/api/status-pages/${data.id}`); navigate("/status-pages"); } catch (failure) { setError(failure); }
  };
  const names = new Map(monitors.items.map((m) => [m.id, m.name]));
  const actions = html`<a class="button" href=${data.public_url} target="_blank" rel="noopener">View public page<span
      class="visually-hidden"> (opens in a new tab)</span></a>
    ${editor && html`<button type="button" class="button-secondary" onClick=${() => setEditing(true)}>Edit</button>
      <${ConfirmButton} label="Delete" danger question=${`Delete the status page “${data.title}”?`}
        detail=${`${data.public_url} stops working at once.`} onConfirm=${remove} />`}`;
  return html`<${Page} title=${data.title} actions=${actions}>
    <p><a href="/status-pages">← All status pages</a></p>
    <${ErrorBanner} error=${error} />
    <section class="card" aria-labelledby="sp-h"><h2 id="sp-h">On the page</h2>
      <${CopyField} label="Public address" value=${`${window.location.origin}${data.public_url}`} />
      ${data.description && html`<p>${data.description}</p>`}
      ${data.monitor_ids.length === 0 ? html`<p class="muted">No monitors on this page yet: edit it to add some.</p>`
        : data.groups.map((g, i) => html`<div key=${i}><h3>${g.name || "Without a heading"}</h3><ul>
          ${g.monitors.map((m) => html`<li key=${m.monitor_id}>${names.get(m.monitor_id) || `monitor ${m.monitor_id}`}
            <span class="muted">${m.show_url ? " (its URL shown)" : ""}</span></li>`)}</ul></div>`)}
    </section>
    <section class="card" aria-labelledby="badges-h"><h2 id="badges-h">Badges for a README</h2>
      <p class="hint">SVG badges at unguessable addresses: anyone with the address sees the badge, nothing else.</p>
      <${BadgeSnippets} page=${data} monitors=${monitors.items} />
    </section>
  <//>`;
}
