// The last response times as a small SVG line: no library needed for ten points.
import { html } from "../html.js";

export function Sparkline({ values, width = 96, height = 28 }) {
  const points = (values || []).filter((v) => typeof v === "number");
  if (points.length < 2) return html`<span class="muted spark-none">—</span>`;
  const max = Math.max(...points);
  const min = Math.min(...points);
  const span = max - min || 1;
  const step = (width - 2) / (points.length - 1);
  const path = points.map((v, i) => `${(1 + i * step).toFixed(1)},${(height - 2 - ((v - min) / span) * (height - 4)).toFixed(1)}`);
  return html`<svg class="spark" width=${width} height=${height} viewBox=${`0 0 ${width} ${height}`} role="img"
    aria-label=${`Last ${points.length} response times, ${min} to ${max} ms`}>
    <polyline points=${path.join(" ")} fill="none" stroke="currentColor" stroke-width="1.5"
      stroke-linejoin="round" stroke-linecap="round" />
  </svg>`;
}
