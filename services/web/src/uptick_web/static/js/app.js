// The app shell: skip link, header (navigation, organization switcher, log out), and the current page.
import { onSignedOut } from "./api.js";
import { html } from "./html.js";
import { match, navigate, useLocation } from "./router.js";
import { nav, routes } from "./routes.js";
import { chooseOrg, logOut, signedOut, useSession } from "./session.js";
import { NotFoundPage } from "./pages/notfound.js";
import { Loading } from "./ui/feedback.js";

// A session that ended (refresh refused): forget the user; App then sends a non-public page to log in.
onSignedOut(signedOut);

function isCurrent(path, prefixes) {
  return prefixes.some((prefix) => (prefix === "/" ? path === "/" : path === prefix || path.startsWith(`${prefix}/`)));
}

function OrgSwitcher({ session }) {
  if (session.orgs.length < 2) return null;
  return html`<label class="org-switch">
    <span class="visually-hidden">Organization</span>
    <select value=${session.orgId} onChange=${(e) => chooseOrg(Number(e.currentTarget.value))}>
      ${session.orgs.map((org) => html`<option value=${org.id} selected=${org.id === session.orgId}>
        ${org.personal ? `${org.name} (personal)` : org.name}</option>`)}
    </select>
  </label>`;
}

function Header({ session, path }) {
  const out = async () => { await logOut(); navigate("/login"); };
  return html`<header class="top">
    <a class="brand" href="/"><img src=${new URL("../favicon.svg", import.meta.url).href} alt="" width="24" height="24" />
      Uptick</a>
    ${session.user && html`
      <nav aria-label="Main">
        <ul>${nav.map(([label, href, prefixes]) => html`<li>
          <a href=${href} aria-current=${isCurrent(path, prefixes) ? "page" : undefined}>${label}</a></li>`)}
        </ul>
      </nav>
      <div class="account">
        <${OrgSwitcher} session=${session} />
        <span class="muted who" title=${session.user.email}>${session.user.email}</span>
        <button type="button" class="button-secondary" onClick=${out}>Log out</button>
      </div>`}
  </header>`;
}

export function App() {
  const session = useSession();
  const { path } = useLocation();
  if (!session.loaded) return html`<main id="main"><${Loading} label="Loading Uptick…" /></main>`;
  const found = match(routes, path);
  if (found && !found.route.public && !session.user) {
    navigate(`/login?next=${encodeURIComponent(path + window.location.search)}`, { replace: true });
    return null;
  }
  const Current = found ? found.route.page : NotFoundPage;
  return html`
    <a class="skip-link" href="#main">Skip to content</a>
    <${Header} session=${session} path=${path} />
    <main id="main" tabindex="-1">
      <${Current} key=${`${session.orgId}:${path}`} params=${found ? found.params : {}} />
    </main>`;
}
