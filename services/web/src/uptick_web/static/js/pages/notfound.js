import { html } from "../html.js";
import { EmptyState } from "../ui/feedback.js";
import { Page } from "../ui/page.js";

export function NotFoundPage() {
  return html`<${Page} title="Page not found">
    <${EmptyState} title="There is no page at this address">
      <p>The link may be old. <a href="/">Go to your monitors</a>.</p>
    <//>
  <//>`;
}
