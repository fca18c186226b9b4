// The current organization's members by user id, to name people (who acknowledged, who wrote a note).
import { api } from "./api.js";
import { useApi } from "./data.js";
import { currentOrg } from "./session.js";

export function useMembers() {
  const org = currentOrg();
  const load = useApi((signal) => (org
    ? api.get(`/api/orgs/${org.id}/members`, { signal, query: { limit: 500 } }) : Promise.resolve({ items: [] })),
  [org && org.id]);
  const byId = new Map(((load.data && load.data.items) || []).map((m) => [m.user_id, m]));
  return { byId, ...load };
}

/** A person by user id, in words: their email, "you", or "a former member". */
export function personName(byId, userId, session) {
  if (userId === null || userId === undefined) return null;
  if (session && session.user && session.user.id === userId) return "you";
  const member = byId.get(userId);
  return member ? member.email : `a former member (user ${userId})`;
}
