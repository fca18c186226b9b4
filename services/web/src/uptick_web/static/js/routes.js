// Every page of the dashboard: its path pattern, its component, and whether it appears in the main
// navigation. `public: true` pages work without a session; any other sends a visitor to log in first.
import { LoginPage, SignupPage } from "./pages/auth.js";
import { InvitationPage } from "./pages/invitation.js";
import { MonitorDetailPage } from "./pages/monitor-detail.js";
import { EditMonitorPage, NewMonitorPage } from "./pages/monitor-form.js";
import { MonitorsPage } from "./pages/monitors.js";
import { ChannelPage, ChannelsPage, NewChannelPage } from "./pages/channels.js";
import { IncidentPage, IncidentsPage } from "./pages/incidents.js";
import { MaintenancePage, MaintenanceWindowPage, NewMaintenancePage } from "./pages/maintenance.js";
import { OrganizationPage } from "./pages/organization.js";
import { NewStatusPagePage, StatusPageAdminPage, StatusPagesPage } from "./pages/statuspages.js";

export const routes = [
  { path: "/", page: MonitorsPage },
  { path: "/monitors/new", page: NewMonitorPage },
  { path: "/monitors/:id", page: MonitorDetailPage },
  { path: "/monitors/:id/edit", page: EditMonitorPage },
  { path: "/login", page: LoginPage, public: true },
  { path: "/signup", page: SignupPage, public: true },
  { path: "/invitations/:token", page: InvitationPage, public: true },
  { path: "/incidents", page: IncidentsPage },
  { path: "/incidents/:id", page: IncidentPage },
  { path: "/channels", page: ChannelsPage },
  { path: "/channels/new", page: NewChannelPage },
  { path: "/channels/:id", page: ChannelPage },
  { path: "/maintenance", page: MaintenancePage },
  { path: "/maintenance/new", page: NewMaintenancePage },
  { path: "/maintenance/:id", page: MaintenanceWindowPage },
  { path: "/status-pages", page: StatusPagesPage },
  { path: "/status-pages/new", page: NewStatusPagePage },
  { path: "/status-pages/:id", page: StatusPageAdminPage },
  { path: "/organization", page: OrganizationPage },
];

// The header's links, in order: [label, path, the paths (prefixes) that mark it as the current page].
export const nav = [
  ["Monitors", "/", ["/", "/monitors"]],
  ["Incidents", "/incidents", ["/incidents"]],
  ["Alert channels", "/channels", ["/channels"]],
  ["Maintenance", "/maintenance", ["/maintenance"]],
  ["Status pages", "/status-pages", ["/status-pages"]],
  ["Organization", "/organization", ["/organization"]],
];
