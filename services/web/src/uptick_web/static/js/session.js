// Who is signed in and which organization the dashboard acts in: one small store that pages read with
// `useSession()`. The chosen organization is remembered per browser (localStorage).
import { api, setOrganization } from "./api.js";
import { useEffect, useState } from "./html.js";

const ORG_KEY = "uptick.org";
const state = { user: null, orgs: [], orgId: null, loaded: false };
const listeners = new Set();

function publish() {
  for (const listener of listeners) listener({ ...state });
}

export function currentOrg() {
  return state.orgs.find((org) => org.id === state.orgId) || null;
}

/** Reads /api/auth/me and /api/orgs; a visitor who is not signed in gets user null. */
export async function loadSession() {
  try {
    state.user = await api.get("/api/auth/me");
    state.orgs = (await api.get("/api/orgs", { query: { limit: 500 } })).items;
    const saved = Number(localStorage.getItem(ORG_KEY));
    const chosen = state.orgs.find((org) => org.id === saved) || state.orgs.find((org) => org.personal)
      || state.orgs[0];
    state.orgId = chosen ? chosen.id : null;
  } catch (error) {
    if (error.status !== 401) throw error;
    state.user = null; state.orgs = []; state.orgId = null;
  }
  setOrganization(state.orgId);
  state.loaded = true;
  publish();
}

export function chooseOrg(id) {
  state.orgId = id;
  localStorage.setItem(ORG_KEY, String(id));
  setOrganization(id);
  publish();
}

export function signedOut() {
  state.user = null; state.orgs = []; state.orgId = null;
  setOrganization(null);
  publish();
}

export async function logOut() {
  try { await api.post("/api/auth/logout"); } finally { signedOut(); }
}

export function useSession() {
  const [snapshot, setSnapshot] = useState({ ...state });
  useEffect(() => { listeners.add(setSnapshot); return () => listeners.delete(setSnapshot); }, []);
  return snapshot;
}
