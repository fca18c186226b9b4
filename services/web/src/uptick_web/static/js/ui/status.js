// A monitor's (or region's) status as a pill: a word and a shape, never colour alone.
import { html } from "../html.js";

const LABELS = { up: "Up", down: "Down", pending: "Pending", paused: "Paused", maintenance: "Maintenance" };
const SHAPES = { up: "●", down: "▲", pending: "◌", paused: "❚❚", maintenance: "◆" };

export function StatusPill({ status }) {
  const known = LABELS[status] ? status : "pending";
  return html`<span class=${`pill pill-${known}`}><span aria-hidden="true">${SHAPES[known]}</span> ${LABELS[known]}</span>`;
}
