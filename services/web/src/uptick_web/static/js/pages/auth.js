// Log in and sign up: the two pages a visitor sees before a session exists.
import { api } from "../api.js";
import { html, useState } from "../html.js";
import { navigate, useLocation } from "../router.js";
import { loadSession } from "../session.js";
import { ErrorBanner } from "../ui/feedback.js";
import { TextField } from "../ui/field.js";
import { Page } from "../ui/page.js";

/** Where to go once signed in: the page that sent the visitor here, if it is one of ours. */
function nextPath(query) {
  const next = query.get("next") || "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function AuthForm({ title, submitLabel, submit, footer, passwordHint, autocomplete }) {
  const { query } = useLocation();
  const [email, setEmail] = useState(query.get("email") || "");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await submit(email, password);
      await loadSession();
      navigate(nextPath(query), { replace: true });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const fields = error?.fields || {};
  return html`<${Page} title=${title}>
    <form class="card narrow" onSubmit=${onSubmit} noValidate>
      <${ErrorBanner} error=${error && !fields.email && !fields.password ? error : null} />
      <${TextField} label="Email" type="email" autocomplete="email" required value=${email} onValue=${setEmail}
        error=${fields.email} />
      <${TextField} label="Password" type="password" autocomplete=${autocomplete} required value=${password}
        onValue=${setPassword} error=${fields.password} hint=${passwordHint} />
      <button type="submit" disabled=${busy}>${busy ? "Please wait…" : submitLabel}</button>
      <p class="muted">${footer(query)}</p>
    </form>
  <//>`;
}

async function logIn(email, password) {
  await api.post("/api/auth/login", { email, password });
}

export function LoginPage() {
  return html`<${AuthForm} title="Log in to Uptick" submitLabel="Log in" submit=${logIn}
    autocomplete="current-password"
    footer=${(query) => html`No account yet? <a href=${`/signup?${query}`}>Sign up</a>`} />`;
}

export function SignupPage() {
  const submit = async (email, password) => {
    try {
      await api.post("/api/auth/signup", { email, password });
    } catch (error) {
      if (error.status === 409) error.fields = { email: "An account with this email already exists: log in instead." };
      throw error;
    }
    await logIn(email, password);
  };
  return html`<${AuthForm} title="Create your Uptick account" submitLabel="Sign up" submit=${submit}
    autocomplete="new-password" passwordHint="At least 8 characters."
    footer=${(query) => html`Already have an account? <a href=${`/login?${query}`}>Log in</a>`} />`;
}
