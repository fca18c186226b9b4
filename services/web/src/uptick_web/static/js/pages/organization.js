// The organization: members and their roles (admins and owners change them), invitations (the accept link
// shown outside production), API tokens (the token shown once), and the audit log (admins; paged).
import { api } from "../api.js";
import { useApi } from "../data.js";
import { html, useState } from "../html.js";
import { personName } from "../members.js";
import { isAdmin, roleAtLeast, ROLES } from "../roles.js";
import { currentOrg, loadSession, useSession } from "../session.js";
import { ConfirmButton } from "../ui/confirm.js";
import { CopyField } from "../ui/copy.js";
import { ErrorBanner, EmptyState, Loading, Notice } from "../ui/feedback.js";
import { CheckboxField, SelectField, TextField } from "../ui/field.js";
import { Page } from "../ui/page.js";
import { formatDate, RelativeTime } from "../ui/time.js";

const ROLE_OPTIONS = ROLES.map((r) => [r, r.charAt(0).toUpperCase() + r.slice(1)]);
const ROLE_HINT = "Viewers read; editors change monitors, channels, maintenance and status pages; admins also "
  + "manage members, invitations and API tokens; owners also rename, delete and hand over the organization.";

function useAction() {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = async (work) => {
    setBusy(true); setError(null);
    try { return await work(); } catch (failure) { setError(failure); return undefined; } finally { setBusy(false); }
  };
  return { error, busy, run, setError };
}

function Members({ org, session, members }) {
  const action = useAction();
  const admin = isAdmin();
  const owner = roleAtLeast("owner");
  const change = (member, role) => action.run(async () => {
    await api.patch(`/api/orgs/${org.id}/members/${member.user_id}`, { role });
    members.reload();
  });
  const remove = (member) => action.run(async () => {
    await api.delete(`/api/orgs/${org.id}/members/${member.user_id}`);
    if (member.user_id === session.user.id) await loadSession(); else members.reload();
  });
  const items = members.data ? members.data.items : [];
  const owners = items.filter((m) => m.role === "owner").length;
  return html`<section class="card" aria-labelledby="members-h"><h2 id="members-h">Members</h2>
    <${ErrorBanner} error=${action.error} />
    ${members.error && html`<${ErrorBanner} error=${members.error} onRetry=${members.reload} />`}
    ${!members.data && !members.error && html`<${Loading} />`}
    ${members.data && html`<div class="table-wrap"><table class="data">
      <caption class="visually-hidden">Members of ${org.name}</caption>
      <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Joined</th>
        ${admin && html`<th scope="col"><span class="visually-hidden">Actions</span></th>`}</tr></thead>
      <tbody>${items.map((m) => {
        const me = m.user_id === session.user.id;
        const mayChange = admin && !me && (owner || m.role !== "owner");
        return html`<tr key=${m.user_id}>
          <td data-label="Email">${m.email}${me && html` <span class="muted">(you)</span>`}</td>
          <td data-label="Role">${mayChange ? html`<label><span class="visually-hidden">Role of ${m.email}</span>
              <select value=${m.role} disabled=${action.busy}
                onChange=${(e) => change(m, e.currentTarget.value)}>
                ${ROLE_OPTIONS.filter(([r]) => owner || r !== "owner").map(([r, label]) => html`
                  <option value=${r} selected=${r === m.role}>${label}</option>`)}
              </select></label>` : m.role}</td>
          <td data-label="Joined"><${RelativeTime} at=${m.joined_at} /></td>
          ${admin && html`<td>${(mayChange || (me && !(m.role === "owner" && owners === 1))) && !org.personal
            && html`<${ConfirmButton}
            label=${me ? "Leave" : "Remove"} danger
            question=${me ? `Leave ${org.name}?` : `Remove ${m.email} from ${org.name}?`}
            detail=${me ? "You lose access to its monitors at once." : "They lose access at once; their sessions in it end."}
            onConfirm=${() => remove(m)} />`}</td>`}
        </tr>`;
      })}</tbody></table></div>`}
    <p class="hint">${ROLE_HINT}</p>
  </section>`;
}

function Invitations({ org, onChange }) {
  const list = useApi((signal) => api.get(`/api/orgs/${org.id}/invitations`, { signal, query: { limit: 100 } }),
    [org.id]);
  const action = useAction();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("editor");
  const [sent, setSent] = useState(null);
  const errors = (action.error && action.error.fields) || {};
  const invite = (e) => {
    e.preventDefault();
    action.run(async () => {
      const answer = await api.post(`/api/orgs/${org.id}/invitations`, { email, role });
      setSent(answer); setEmail(""); list.reload(); onChange();
    });
  };
  const revoke = (invitation) => action.run(async () => {
    await api.delete(`/api/orgs/${org.id}/invitations/${invitation.id}`); list.reload(); onChange();
  });
  const pending = list.data ? list.data.items : [];
  return html`<section class="card" aria-labelledby="inv-h"><h2 id="inv-h">Invitations</h2>
    ${org.personal && html`<${Notice}>This is your personal organization. To work with others, create an
      organization and invite them there.<//>`}
    <form class="inline-form" onSubmit=${invite} novalidate>
      <${ErrorBanner} error=${action.error && !errors.email && !errors.role ? action.error : null} />
      <${TextField} label="Email" type="email" value=${email} onValue=${setEmail} error=${errors.email} required
        autocomplete="off" />
      <${SelectField} label="Role" value=${role} onValue=${setRole} error=${errors.role}
        options=${ROLE_OPTIONS.filter(([r]) => roleAtLeast("owner") || r !== "owner")} />
      <div class="field"><button type="submit" disabled=${action.busy}>Invite</button></div>
    </form>
    ${sent && html`<div class="banner banner-info" role="status">
      <p>${sent.mail_sent ? `Invitation e-mailed to ${sent.email}.`
        : `The e-mail to ${sent.email} could not be sent${sent.accept_url ? ": give them the link below." : "."}`}</p>
      ${sent.accept_url && html`<${CopyField} label="Invitation link" value=${sent.accept_url}
        hint="Shown outside production only. It works once, for that address." />`}
    </div>`}
    ${list.error && html`<${ErrorBanner} error=${list.error} onRetry=${list.reload} />`}
    ${list.data && (pending.length === 0
      ? html`<p class="muted">No pending invitations.</p>`
      : html`<div class="table-wrap"><table class="data">
        <caption class="visually-hidden">Pending invitations</caption>
        <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Expires</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${pending.map((i) => html`<tr key=${i.id}><td data-label="Email">${i.email}</td><td data-label="Role">${i.role}</td>
          <td data-label="Expires">${formatDate(i.expires_at)}</td>
          <td><${ConfirmButton} label="Revoke" question=${`Revoke the invitation of ${i.email}?`}
            onConfirm=${() => revoke(i)} /></td></tr>`)}</tbody></table></div>`)}
  </section>`;
}

function Tokens({ byId, session, onChange }) {
  const list = useApi((signal) => api.get("/api/tokens", { signal, query: { limit: 100 } }), []);
  const action = useAction();
  const [name, setName] = useState("");
  const [write, setWrite] = useState(false);
  const [expires, setExpires] = useState("");
  const [created, setCreated] = useState(null);
  const errors = (action.error && action.error.fields) || {};
  const create = (e) => {
    e.preventDefault();
    action.run(async () => {
      const body = { name, scopes: write ? ["read", "write"] : ["read"] };
      if (expires) body.expires_at = new Date(`${expires}T23:59:59`).toISOString();
      const answer = await api.post("/api/tokens", body);
      setCreated(answer); setName(""); setExpires(""); list.reload(); onChange();
    });
  };
  const revoke = (token) => action.run(async () => {
    await api.delete(`/api/tokens/${token.id}`);
    if (created && created.id === token.id) setCreated(null);
    list.reload(); onChange();
  });
  const items = list.data ? list.data.items : [];
  return html`<section class="card" aria-labelledby="tok-h"><h2 id="tok-h">API tokens</h2>
    <p class="hint">A token acts in this organization for scripts, CI and the Kubernetes operator:${" "}<code>Authorization: Bearer upt_…</code>. Read tokens read; read and write tokens also change what an editor may.</p>
    <form class="inline-form" onSubmit=${create} novalidate>
      <${ErrorBanner} error=${action.error && !errors.name && !errors.expires_at && !errors.scopes ? action.error : null} />
      <${TextField} label="Token name" value=${name} onValue=${setName} error=${errors.name} required
        maxlength="200" hint="What uses it, e.g. “CI deploy checks”." />
      <${TextField} label="Expires (optional)" type="date" value=${expires} onValue=${setExpires}
        error=${errors.expires_at} hint="Empty: valid until revoked." />
      <${CheckboxField} label="Allow changes (write scope)" checked=${write} onValue=${setWrite} error=${errors.scopes} />
      <div class="field"><button type="submit" disabled=${action.busy}>Create token</button></div>
    </form>
    ${created && html`<div class="banner banner-info" role="status">
      <p><strong>Token “${created.name}” created.</strong> Copy it now: Uptick keeps only its hash and cannot show it again.</p>
      <${CopyField} label="Your new API token" value=${created.token} />
      <button type="button" class="button-secondary" onClick=${() => setCreated(null)}>I have copied it</button>
    </div>`}
    ${list.error && html`<${ErrorBanner} error=${list.error} onRetry=${list.reload} />`}
    ${list.data && (items.length === 0 ? html`<p class="muted">No API tokens yet.</p>`
      : html`<div class="table-wrap"><table class="data">
        <caption class="visually-hidden">API tokens</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Starts with</th><th scope="col">Scopes</th>
          <th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${items.map((t) => html`<tr key=${t.id}><td data-label="Name">${t.name}</td><td data-label="Starts with"><code>${t.prefix}…</code></td>
          <td data-label="Scopes">${t.scopes.join(", ")}</td>
          <td data-label="Created"><${RelativeTime} at=${t.created_at} /> <span class="muted">by ${personName(byId, t.created_by, session)}</span></td>
          <td data-label="Expires">${t.expires_at ? formatDate(t.expires_at) : "never"}</td>
          <td data-label="Last used"><${RelativeTime} at=${t.last_used_at} fallback="never" /></td>
          <td><${ConfirmButton} label="Revoke" danger question=${`Revoke the token “${t.name}”?`}
            detail="Requests with it are refused at once." onConfirm=${() => revoke(t)} /></td></tr>`)}
        </tbody></table></div>`)}
  </section>`;
}

function detailsText(details) {
  return Object.entries(details || {}).map(([key, value]) => `${key.replaceAll("_", " ")}: ${
    Array.isArray(value) ? value.join(", ") : typeof value === "object" && value !== null ? JSON.stringify(value) : value}`)
    .join("; ");
}

function AuditLog({ byId, session, round }) {
  const [cursors, setCursors] = useState([""]);
  const cursor = cursors[cursors.length - 1];
  const page = useApi((signal) => api.get("/api/audit", { signal, query: { limit: 25, cursor } }), [cursor, round]);
  const items = page.data ? page.data.items : [];
  const who = (entry) => {
    const person = personName(byId, entry.actor_user_id, session) || "someone no longer here";
    return entry.actor === "token" ? `API token #${entry.actor_token_id} (of ${person})` : person;
  };
  return html`<section class="card" aria-labelledby="audit-h"><h2 id="audit-h">Audit log</h2>
    ${page.error && html`<${ErrorBanner} error=${page.error} onRetry=${page.reload} />`}
    ${!page.data && !page.error && html`<${Loading} />`}
    ${page.data && (items.length === 0 ? html`<p class="muted">Nothing recorded yet: changes to monitors,
        channels, members and tokens are listed here.</p>`
      : html`<div class="table-wrap"><table class="data">
        <caption class="visually-hidden">Audit log, newest first</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th>
          <th scope="col">Details</th></tr></thead>
        <tbody>${items.map((e) => html`<tr key=${e.id}><td data-label="When"><time datetime=${e.created_at}>${formatDate(e.created_at)}</time></td>
          <td data-label="Who">${who(e)}</td><td data-label="What"><code>${e.action}</code> ${e.target_id ? html`<span class="muted">${e.target_type} ${e.target_id}</span>` : ""}</td>
          <td data-label="Details" class="cause">${detailsText(e.details)}</td></tr>`)}</tbody></table></div>`)}
    <div class="actions">
      ${cursors.length > 1 && html`<button type="button" class="button-secondary"
        onClick=${() => setCursors(cursors.slice(0, -1))}>Newer entries</button>`}
      ${page.data && page.data.next_cursor && html`<button type="button" class="button-secondary"
        onClick=${() => setCursors([...cursors, page.data.next_cursor])}>Older entries</button>`}
    </div>
  </section>`;
}

export function OrganizationPage() {
  const session = useSession();
  const org = currentOrg();
  const members = useApi((signal) => (org
    ? api.get(`/api/orgs/${org.id}/members`, { signal, query: { limit: 500 } }) : Promise.resolve({ items: [] })),
  [org && org.id]);
  const [name, setName] = useState("");
  const [round, setRound] = useState(0);
  const changed = () => setRound((n) => n + 1);
  const create = useAction();
  if (!org) return html`<${Page} title="Organization"><${Loading} /><//>`;
  const byId = new Map(((members.data && members.data.items) || []).map((m) => [m.user_id, m]));
  const admin = isAdmin();
  const newOrg = (e) => {
    e.preventDefault();
    create.run(async () => {
      await api.post("/api/orgs", { name });
      setName("");
      await loadSession();
    });
  };
  return html`<${Page} title=${org.personal ? `${org.name} (personal)` : org.name}>
    <p class="muted">Your role here: <strong>${org.role}</strong>. ${org.personal
      ? "Your personal organization is yours alone; create an organization to work with a team." : ""}</p>
    <${Members} org=${org} session=${session} members=${members} />
    ${admin ? html`
      <${Invitations} org=${org} onChange=${changed} />
      <${Tokens} byId=${byId} session=${session} onChange=${changed} />
      <${AuditLog} byId=${byId} session=${session} round=${round} />`
      : html`<${Notice}>Invitations, API tokens and the audit log are managed by the organization's admins and owners.<//>`}
    <section class="card" aria-labelledby="neworg-h"><h2 id="neworg-h">Create an organization</h2>
      <form class="inline-form" onSubmit=${newOrg} novalidate>
        <${ErrorBanner} error=${create.error && !(create.error.fields || {}).name ? create.error : null} />
        <${TextField} label="Organization name" value=${name} onValue=${setName}
          error=${create.error && (create.error.fields || {}).name} required maxlength="200" />
        <div class="field"><button type="submit" disabled=${create.busy}>Create</button></div>
      </form>
      <p class="hint">You become its owner; switch to it with the organization menu at the top.</p>
    </section>
  <//>`;
}
