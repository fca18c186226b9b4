// Response times over time, one line per region, drawn by uPlot (fast on thousands of points). Drag across
// the chart to zoom into a stretch, double-click to zoom out again.
import uPlot from "../../vendor/uPlot.mjs";
import { html, useEffect, useRef, useState } from "../html.js";

const COLOURS = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#db2777", "#65a30d"];

/** uPlot's columns from {region: [{t, avg_ms}]}: one x for every bucket any region has, null where one has none. */
export function columns(regions) {
  const names = Object.keys(regions).sort();
  const times = [...new Set(names.flatMap((r) => regions[r].map((p) => Date.parse(p.t) / 1000)))].sort((a, b) => a - b);
  const at = new Map(times.map((t, i) => [t, i]));
  const ys = names.map((r) => {
    const column = new Array(times.length).fill(null);
    for (const p of regions[r]) column[at.get(Date.parse(p.t) / 1000)] = p.avg_ms;
    return column;
  });
  return { names, data: [times, ...ys] };
}

/** Whether the system prefers dark now; it can change while the page is open (at sunset, say). */
function useDark() {
  const query = window.matchMedia("(prefers-color-scheme: dark)");
  const [dark, setDark] = useState(query.matches);
  useEffect(() => {
    const follow = (event) => setDark(event.matches);
    query.addEventListener("change", follow);
    return () => query.removeEventListener("change", follow);
  }, []);
  return dark;
}

export function LatencyChart({ regions, from, to, label }) {
  const box = useRef(null);
  const dark = useDark();
  useEffect(() => {
    const element = box.current;
    const { names, data } = columns(regions);
    const axis = { stroke: dark ? "#a3aab8" : "#596171", grid: { stroke: dark ? "#2e333d" : "#e5e7eb" },
      ticks: { stroke: dark ? "#2e333d" : "#e5e7eb" } };
    const options = {
      width: element.clientWidth, height: 260,
      series: [{}, ...names.map((name, i) => ({ label: name, stroke: COLOURS[i % COLOURS.length], width: 2,
        spanGaps: false, value: (_, v) => (v === null ? "—" : `${v} ms`) }))],
      axes: [axis, { ...axis, values: (_, ticks) => ticks.map((v) => `${v} ms`), size: 70 }],
      // The whole range asked for, however few buckets had checks (uPlot would stretch a single point to years).
      scales: { x: { time: true, range: () => [Date.parse(from) / 1000, Date.parse(to) / 1000] },
        y: { range: (_, min, max) => [0, Math.max(10, max * 1.1)] } },
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
    };
    const plot = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height: 260 }));
    resize.observe(element);
    return () => { resize.disconnect(); plot.destroy(); };
  }, [regions, from, to, dark]);
  return html`<div class="chart" ref=${box} role="img" aria-label=${label}></div>`;
}
