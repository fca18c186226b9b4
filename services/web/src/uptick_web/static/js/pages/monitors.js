import { html } from "../html.js";
import { EmptyState } from "../ui/feedback.js";
import { Page } from "../ui/page.js";

export function MonitorsPage() {
  return html`<${Page} title="Monitors">
    <${EmptyState} title="No monitors yet"><p>Add the first URL you want Uptick to check.</p><//>
  <//>`;
}
