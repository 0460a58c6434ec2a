// chart: one scenario's results as an SVG bar chart for report.html. The axis is logarithmic with
// labelled ticks (1, 2, 5 per decade, in the scenario's unit), so implementations 100× apart all get
// readable bars; each implementation keeps one colour in every chart.
import { fmtUnit } from "./units.mjs";

/** A colour per implementation: wasmchan's Wasm forms in blues, the pure core orange, floors grey,
 *  Go cyan, every other library its own hue. */
const FIXED = {
  wasm: "#1f5fbf", "wasm-sync": "#1f5fbf", "wasm-async": "#4a8fe7", "wasm-batch": "#0b3a80", pure: "#e07b00",
  "wasm-async-nopreempt": "#9cc2f2", "wasm-batch-nopreempt": "#6b8fc4",
  floor: "#8a8a8a", "floor-sync": "#b5b5b5", "sab-ring": "#8a8a8a", "wasm-ring": "#5f5f5f", go: "#00add8",
  wasmchan: "#1f5fbf", "wasmchan-batch": "#0b3a80", bridge: "#1f5fbf",
};
// As many as the other implementations of a report (14 with S8's pools): a colour is never reused.
const OTHERS = ["#2e9e4f", "#9b59b6", "#c0392b", "#16a085", "#8e6c3a", "#d35490", "#6b8e23", "#34495e",
  "#e6b800", "#7f3fbf", "#ff7f50", "#2f4f4f", "#b8860b", "#8b0000", "#4682b4", "#556b2f"];

export function colourOf(impl, allImpls) {
  if (FIXED[impl]) return FIXED[impl];
  const others = [...new Set(allImpls)].filter((i) => !FIXED[i]).sort();
  return OTHERS[others.indexOf(impl) % OTHERS.length];
}

/** Ticks in [lo, hi]: every power of ten, and 2 and 5 times it where the axis spans two decades or less. */
export function ticks(lo, hi) {
  const out = [];
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) return out;
  const steps = Math.log10(hi / lo) <= 2 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)) && out.length < 64; e++) {
    for (const m of steps) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) out.push(v);
    }
  }
  return out;
}

const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** The SVG of one scenario: `all` its result rows (ok ones with median/min/max/ratio), `label(r)` the
 *  name shown left of a bar, `allImpls` every implementation of the report (for stable colours). */
export function chart({ title, unit, all, label, allImpls }) {
  const rs = all.filter((r) => r.ok);
  const W = 780, rowH = 24, left = 230, right = 170, top = 4, axisH = 28;
  // The axis spans the decades of the positive figures (a memory figure may be 0 after GC noise).
  const positive = rs.flatMap((r) => [r.min, r.max]).filter((v) => v > 0 && Number.isFinite(v));
  // The axis starts at least half a decade below the smallest figure (a minimum just above a power of
  // ten drew its median's bar a few pixels wide).
  const lo = positive.length ? 10 ** Math.floor(Math.log10(Math.min(...positive)) - 0.5) : 1;
  const hi = positive.length ? 10 ** Math.ceil(Math.log10(Math.max(lo * 10, ...positive))) : 10;
  const x = (v) => left + (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * (W - left - right);
  const H = top + all.length * rowH + axisH;
  let svg = `<svg width="${W}" height="${H}" role="img" aria-label="${escape(title)}" data-axis="log">`;
  // the axis: gridlines and labelled ticks
  const axisY = top + all.length * rowH + 4;
  svg += `<line class="axis" x1="${left}" x2="${W - right}" y1="${axisY}" y2="${axisY}" stroke="#444"/>`;
  for (const v of ticks(lo, hi)) {
    const tx = x(v).toFixed(1);
    svg += `<line x1="${tx}" x2="${tx}" y1="${top}" y2="${axisY + 4}" stroke="#ddd"/>`;
    svg += `<text class="tick" x="${tx}" y="${axisY + 18}" text-anchor="middle" fill="#444">${escape(fmtUnit(v, unit).replace(/\.0+ /, " "))}</text>`;
  }
  all.forEach((r, i) => {
    const y = top + i * rowH;
    svg += `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${escape(label(r))}</text>`;
    if (!r.ok) {
      svg += `<text x="${left}" y="${y + 15}" fill="${r.status === "skipped" ? "#888" : "#c00"}">${escape(r.status === "skipped" ? `n/a: ${r.skipped}` : `FAILED: ${r.error}`)}</text>`;
      return;
    }
    const fill = colourOf(r.impl, allImpls);
    svg += `<rect class="bar" data-impl="${escape(r.impl)}" x="${left}" y="${y + 3}" width="${Math.max(1, x(r.median) - left).toFixed(1)}" height="16" fill="${fill}"><title>${escape(`${r.label}: median ${fmtUnit(r.median, r.unit)}, min ${fmtUnit(r.min, r.unit)}, max ${fmtUnit(r.max, r.unit)}, ${r.samples.length} runs`)}</title></rect>`;
    svg += `<line x1="${x(r.min).toFixed(1)}" x2="${x(r.max).toFixed(1)}" y1="${y + 11}" y2="${y + 11}" stroke="#000"/>`;
    for (const v of r.samples.length <= 60 ? r.samples : []) svg += `<circle cx="${x(v).toFixed(1)}" cy="${y + 11}" r="1.6" fill="#000" fill-opacity=".45"/>`;
    svg += `<text x="${(x(r.max) + 6).toFixed(1)}" y="${y + 15}">${escape(fmtUnit(r.median, r.unit))}${r.ratio !== undefined ? ` · ${r.ratio.toFixed(2)}×` : ""}</text>`;
  });
  return svg + "</svg>";
}
