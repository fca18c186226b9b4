// The link of an invitation e-mail: /invitations/{token}. Shows what it invites to; accepting needs a
// session as the invited address, so a visitor is sent to log in or sign up and brought back here.
import { api } from "../api.js";
import { html, useState } from "../html.js";
import { navigate } from "../router.js";
import { chooseOrg, loadSession, useSession } from "../session.js";
import { useApi } from "../data.js";
import { ErrorBanner, Loading } from "../ui/feedback.js";
import { formatDate } from "../ui/time.js";
import { Page } from "../ui/page.js";

export function InvitationPage({ params }) {
  const { token } = params;
  const session = useSession();
  const invitation = useApi((signal) => api.get(`/api/invitations/${encodeURIComponent(token)}`, { signal }), [token]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const back = `/invitations/${encodeURIComponent(token)}`;

  const accept = async () => {
    setBusy(true);
    setError(null);
    try {
      const before = new Set(session.orgs.map((org) => org.id));
      await api.post(`/api/invitations/${encodeURIComponent(token)}/accept`);
      await loadSession();
      const joined = (await api.get("/api/orgs", { query: { limit: 500 } })).items.find((org) => !before.has(org.id));
      if (joined) chooseOrg(joined.id);
      navigate("/", { replace: true });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (invitation.loading) return html`<${Page} title="Invitation"><${Loading} /><//>`;
  if (invitation.error) {
    return html`<${Page} title="Invitation">
      <${ErrorBanner} error=${invitation.error.status === 404
        ? "This invitation is not valid any more: it was used, revoked or has expired. Ask for a new one."
        : invitation.error} />
    <//>`;
  }
  const { org_name: orgName, email, role, expires_at: expiresAt } = invitation.data;
  const next = new URLSearchParams({ next: back, email }).toString();
  return html`<${Page} title=${`Join ${orgName}`}>
    <div class="card narrow">
      <p>You are invited to join <strong>${orgName}</strong> on Uptick as <strong>${role}</strong>.</p>
      <p class="muted">The invitation is for ${email} and works once, until ${formatDate(expiresAt)}.</p>
      <${ErrorBanner} error=${error} />
      ${session.user
        ? html`${session.user.email !== email && html`<p class="banner banner-info">You are logged in as
              ${session.user.email}; this invitation is for ${email}.</p>`}
            <button type="button" onClick=${accept} disabled=${busy}>Accept and join ${orgName}</button>`
        : html`<p>Log in or sign up as ${email} to accept.</p>
            <div class="actions"><a class="button" href=${`/login?${next}`}>Log in</a>
            <a class="button button-secondary" href=${`/signup?${next}`}>Sign up</a></div>`}
    </div>
  <//>`;
}
