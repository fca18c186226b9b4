// Entry point: start the router, find out who is signed in, draw the app.
import { App } from "./app.js";
import { html, render } from "./html.js";
import { startRouter } from "./router.js";
import { loadSession } from "./session.js";

const root = document.getElementById("app");
startRouter();
root.textContent = ""; // the "Loading…" placeholder of index.html
render(html`<${App} />`, root);
loadSession().catch((error) => {
  root.textContent = `Uptick could not start: ${error.message}`;
});
