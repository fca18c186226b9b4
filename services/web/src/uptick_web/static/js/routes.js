// Every page of the dashboard: its path pattern, its component, and whether it appears in the main
// navigation. `public: true` pages work without a session; any other sends a visitor to log in first.
import { LoginPage, SignupPage } from "./pages/auth.js";
import { InvitationPage } from "./pages/invitation.js";
import { MonitorsPage } from "./pages/monitors.js";

export const routes = [
  { path: "/", page: MonitorsPage },
  { path: "/login", page: LoginPage, public: true },
  { path: "/signup", page: SignupPage, public: true },
  { path: "/invitations/:token", page: InvitationPage, public: true },
];

// The header's links, in order: [label, path, the paths (prefixes) that mark it as the current page].
export const nav = [
  ["Monitors", "/", ["/", "/monitors"]],
];
