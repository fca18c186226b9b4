// What the signed-in user's role in the current organization lets them do; pages hide what it does not
// (the API refuses it anyway: a 403 is shown in words if it happens).
import { currentOrg } from "./session.js";

const RANKS = { viewer: 0, editor: 1, admin: 2, owner: 3 };

export function roleAtLeast(role) {
  const org = currentOrg();
  return !!org && (RANKS[org.role] ?? -1) >= RANKS[role];
}

export const canEdit = () => roleAtLeast("editor");
export const isAdmin = () => roleAtLeast("admin");
export const ROLES = ["viewer", "editor", "admin", "owner"];
