// The comparison report: REPORT.md (tables), results.json (every sample) and report.html (charts).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import { median, mannWhitney } from "./stats.mjs";

const root = new URL("../", import.meta.url);

function version(pkg) {
  const p = new URL(`node_modules/${pkg}/package.json`, root);
  return existsSync(p) ? JSON.parse(readFileSync(p, "utf8")).version : undefined;
}

export function environment() {
  const cpus = os.cpus();
  const versions = {};
  for (const pkg of ["tinybench", "assemblyscript", "typescript", "ts-chan", "medium", "@thi.ng/csp", "ringbuf.js"]) {
    const v = version(pkg);
    if (v) versions[pkg] = v;
  }
  versions.wasmchan = JSON.parse(readFileSync(new URL("package.json", root), "utf8")).version;
  return {
    node: process.version, v8: process.versions.v8, platform: `${os.platform()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    packages: versions,
  };
}

const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`);

/** Per scenario: rows with median, min, max (ns/message) and the ratio to the floor (floor time / this time). */
function rows(report) {
  const out = new Map();
  for (const s of report.scenarios) {
    const rs = report.results.filter((r) => r.scenario === s.id);
    const floor = rs.find((r) => r.impl === "floor" && r.ok);
    const floorMed = floor ? median(floor.samples) : undefined;
    out.set(s.id, rs.map((r) => {
      if (!r.ok) return { ...r };
      const med = median(r.samples);
      return { ...r, median: med, min: Math.min(...r.samples), max: Math.max(...r.samples), ratio: floorMed ? floorMed / med : undefined };
    }));
  }
  return out;
}

export function summaryTable(report) {
  const impls = [...new Set(report.results.map((r) => r.impl))];
  const byScenario = rows(report);
  const lines = [`| scenario | ${impls.join(" | ")} |`, `|---|${impls.map(() => "---:").join("|")}|`];
  for (const s of report.scenarios) {
    const rs = byScenario.get(s.id);
    if (!rs?.length) continue;
    const cells = impls.map((name) => {
      const r = rs.find((x) => x.impl === name);
      if (!r) return "—";
      if (!r.ok) return "FAILED";
      return r.ratio !== undefined ? `${fmt(r.median)} (${r.ratio.toFixed(2)}×)` : fmt(r.median);
    });
    lines.push(`| ${s.id} ${s.title} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

function markdown(report) {
  const e = report.environment;
  const byScenario = rows(report);
  let md = `# wasmchan benchmark report\n\n`;
  md += `${report.date}${report.quick ? " — **quick run** (smoke test, small counts: not for comparisons)" : ""}. `;
  md += `Node ${e.node} (V8 ${e.v8}), ${e.platform}, ${e.cores} × ${e.cpu}, ${e.memoryGiB} GiB. `;
  md += `Packages: ${Object.entries(e.packages).map(([k, v]) => `${k} ${v}`).join(", ")}.\n\n`;
  md += `Times are per message (median over runs; each run moves and verifies every message). `;
  md += `The ratio is the floor's median time divided by this one: above 1× is faster than the `;
  md += `hand-written Promise channel.\n\n## Summary\n\n${summaryTable(report)}\n`;
  for (const s of report.scenarios) {
    const rs = byScenario.get(s.id);
    if (!rs?.length) continue;
    md += `\n## ${s.id}: ${s.title}\n\n| implementation | median | min – max | ratio to floor | runs | messages verified |\n|---|---:|---:|---:|---:|---:|\n`;
    for (const r of rs) {
      if (!r.ok) md += `| ${r.label} | FAILED: ${r.error} | | | | |\n`;
      else md += `| ${r.label} | ${fmt(r.median)} | ${fmt(r.min)} – ${fmt(r.max)} | ${r.ratio !== undefined ? r.ratio.toFixed(2) + "×" : "—"} | ${r.samples.length} | ${r.messagesVerified} |\n`;
    }
  }
  return md;
}

function escape(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function html(report) {
  const byScenario = rows(report);
  let body = "";
  for (const s of report.scenarios) {
    const rs = (byScenario.get(s.id) ?? []).filter((r) => r.ok);
    if (!rs.length) continue;
    const maxv = Math.max(...rs.map((r) => r.max));
    const W = 560, rowH = 26, left = 230;
    const x = (v) => left + (v / maxv) * (W - left - 90);
    let svg = `<svg width="${W}" height="${rs.length * rowH + 10}" role="img" aria-label="${escape(s.title)}">`;
    rs.forEach((r, i) => {
      const y = i * rowH + 5;
      svg += `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${escape(r.impl)}</text>`;
      svg += `<rect x="${left}" y="${y + 3}" width="${x(r.median) - left}" height="16" fill="${r.impl === "floor" ? "#999" : r.impl.startsWith("wasm") ? "#2a6fdb" : "#5aa469"}"/>`;
      svg += `<line x1="${x(r.min)}" x2="${x(r.max)}" y1="${y + 11}" y2="${y + 11}" stroke="#000"/>`;
      svg += `<text x="${x(r.max) + 6}" y="${y + 15}">${escape(fmt(r.median))}${r.ratio !== undefined ? ` · ${r.ratio.toFixed(2)}×` : ""}</text>`;
    });
    svg += "</svg>";
    body += `<section><h2>${escape(s.id)}: ${escape(s.title)}</h2>${svg}</section>\n`;
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>wasmchan benchmarks</title><style>
body{font:14px system-ui,sans-serif;margin:2em;max-width:60em} svg text{font:12px system-ui,sans-serif} h2{font-size:1.05em;margin-top:1.6em}
</style></head><body><h1>wasmchan benchmarks</h1><p>${escape(report.date)} — Node ${escape(report.environment.node)}, ${report.environment.cores} × ${escape(report.environment.cpu)}.
Bars: median time per message (shorter is faster); whiskers: min–max over runs; ratio: floor time / this time.</p>
${body}</body></html>\n`;
}

export function writeReports(dir, report) {
  writeFileSync(`${dir}results.json`, JSON.stringify(report, null, 1) + "\n");
  writeFileSync(`${dir}REPORT.md`, markdown(report));
  writeFileSync(`${dir}report.html`, html(report));
}

/** benchstat-style comparison of two reports: old and new medians, delta, and a rank test. */
export function compare(oldReport, newReport) {
  const lines = ["| scenario | impl | old | new | delta | p |", "|---|---|---:|---:|---:|---:|"];
  for (const n of newReport.results) {
    if (!n.ok) continue;
    const o = oldReport.results.find((r) => r.scenario === n.scenario && r.impl === n.impl && r.ok);
    if (!o) continue;
    const om = median(o.samples), nm = median(n.samples);
    const p = mannWhitney(o.samples, n.samples);
    const delta = p < 0.05 ? `${(((nm - om) / om) * 100).toFixed(1)}%` : "~";
    lines.push(`| ${n.scenario} | ${n.impl} | ${fmt(om)} | ${fmt(nm)} | ${delta} | ${p.toFixed(3)} |`);
  }
  return lines.join("\n");
}
