// The comparison report: REPORT.md (tables), results.json (every sample) and report.html (charts).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import { median, rankTest } from "./stats.mjs";
import { fmtUnit } from "./units.mjs";
import { chart } from "./chart.mjs";
import { verdict } from "./verdict.mjs";
import { browserHtml, browserMarkdown } from "./browser/report.mjs";

export { fmtUnit };

const root = new URL("../", import.meta.url);

function version(pkg) {
  const p = new URL(`node_modules/${pkg}/package.json`, root);
  return existsSync(p) ? JSON.parse(readFileSync(p, "utf8")).version : undefined;
}

export function environment(go) {
  const cpus = os.cpus();
  const versions = {};
  versions.wasmchan = JSON.parse(readFileSync(new URL("package.json", root), "utf8")).version;
  for (const pkg of ["ts-chan", "medium", "@thi.ng/csp", "ringbuf.js", "tinybench", "assemblyscript", "typescript"]) {
    const v = version(pkg);
    if (v) versions[pkg] = v;
  }
  return {
    node: process.version, v8: process.versions.v8, platform: `${os.platform()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadavg: os.loadavg().map((x) => +x.toFixed(2)),
    go: go && !go.error ? go.goVersion : null,
    packages: versions,
  };
}

/** Per scenario: the results with median, min, max and the ratio to the scenario's floor (floor / this). */
function rows(report) {
  const out = new Map();
  for (const s of report.scenarios) {
    const rs = report.results.filter((r) => r.scenario === s.id);
    const floor = rs.find((r) => r.impl === (s.floor ?? "floor") && r.ok);
    const floorMed = floor ? median(floor.samples) : undefined;
    out.set(s.id, rs.map((r) => {
      if (!r.ok) return { ...r };
      const med = median(r.samples);
      return { ...r, median: med, min: Math.min(...r.samples), max: Math.max(...r.samples), ratio: floorMed ? floorMed / med : undefined };
    }));
  }
  return out;
}

const KINDS = [
  ["same-thread", "Same thread (time per message; ratio = floor / this, above 1× is faster than the hand-written Promise channel)"],
  ["workers", "Across workers, S5 (time per message; ratio = the scenario's floor / this: wasm-ring in S5-1:1, sab-ring elsewhere)"],
  ["batches", "Batches against single sends, B1 (time per value; ratio = one await send per value / this)"],
  ["memory", "Memory (bytes per item; ratio = floor / this, above 1× is smaller than the floor)"],
  ["processes", "Across processes over NATS, S7 (time per message; ratio = the bare JetStream client with 256 publishes in flight / this)"],
  ["pools", "Worker pools, S8 (time per task; ratio = piscina / this; stall and memory in each scenario's notes)"],
];

function probeFailures(report, impl) {
  const r = report.probes?.results?.[impl];
  return r ? Object.values(r).filter((p) => p.status === "fail").length : 0;
}

const cellOf = (r) => {
  if (!r) return "—";
  if (r.status === "skipped") return "n/a";
  if (!r.ok) return "FAILED";
  return r.ratio !== undefined ? `${fmtUnit(r.median, r.unit)} (${r.ratio.toFixed(2)}×)` : fmtUnit(r.median, r.unit);
};

/** One table per kind of scenario: a row per scenario, a column per implementation. */
export function summaryTable(report) {
  const byScenario = rows(report);
  const out = [];
  for (const [kind, heading] of KINDS) {
    const ss = report.scenarios.filter((s) => (s.kind ?? "same-thread") === kind && byScenario.get(s.id)?.length);
    if (!ss.length) continue;
    const impls = [...new Set(ss.flatMap((s) => byScenario.get(s.id).map((r) => r.impl)))];
    const head = impls.map((name) => (probeFailures(report, name) ? `${name} ⚠${probeFailures(report, name)}` : name));
    const lines = [`**${heading}**`, "", `| scenario | ${head.join(" | ")} |`, `|---|${impls.map(() => "---:").join("|")}|`];
    for (const s of ss) {
      const rs = byScenario.get(s.id);
      lines.push(`| ${s.id} ${s.title} | ${impls.map((name) => cellOf(rs.find((x) => x.impl === name))).join(" | ")} |`);
    }
    out.push(lines.join("\n"));
  }
  if (Object.values(report.probes?.results ?? {}).some((r) => Object.values(r).some((p) => p.status === "fail"))) {
    out.push("⚠n: the library failed n semantic probes (it breaks Go semantics there; see the probe table). n/a: the library cannot run the scenario (reason in REPORT.md).");
  }
  return out.join("\n\n");
}

function probeTable(report) {
  const list = report.probes?.list ?? [];
  const libs = Object.keys(report.probes?.results ?? {});
  if (!libs.length) return "";
  const mark = { pass: "✓", fail: "✗ FAIL", "n/a": "n/a" };
  let md = `\n## Semantic probes\n\nA small check of Go's channel semantics per library (\`bench/probes.mjs\`). ✗ marks where the library breaks Go semantics.\n\n`;
  md += `| probe | ${libs.join(" | ")} |\n|---|${libs.map(() => ":---:").join("|")}|\n`;
  for (const p of list) md += `| ${p.title} | ${libs.map((l) => mark[report.probes.results[l][p.id]?.status] ?? "—").join(" | ")} |\n`;
  const details = [];
  for (const l of libs) {
    for (const p of list) {
      const r = report.probes.results[l][p.id];
      if (r && r.status !== "pass" && r.detail) details.push(`- **${l}**, ${p.id}: ${r.status === "fail" ? "fails" : "n/a"}: ${r.detail}`);
      else if (r && r.status === "pass" && r.detail && p.id === "select-fair") details.push(`- ${l}, ${p.id}: ${r.detail}`);
    }
  }
  return md + (details.length ? `\n${details.join("\n")}\n` : "");
}

function markdown(report) {
  const e = report.environment;
  const byScenario = rows(report);
  let md = `# wasmchan benchmark report\n\n`;
  if (report.loadWarning) md += `> **Warning:** ${report.loadWarning}\n\n`;
  md += `${report.date}${report.quick ? " — **quick run** (smoke test, small counts: not for comparisons)" : ""}. `;
  md += `Node ${e.node} (V8 ${e.v8}), ${e.platform}, ${e.cores} × ${e.cpu}, ${e.memoryGiB} GiB, load average ${e.loadavg?.join(" ")} at the end. `;
  if (e.go) md += `${e.go}. `;
  md += `Packages: ${Object.entries(e.packages).map(([k, v]) => `${k} ${v}`).join(", ")}.\n\n`;
  md += `Times are per message: the median over runs, each run moving and verifying every message (count, sum, and order where it is defined). `;
  md += `**Ratio** = the floor's median / this median: above 1× is better (faster, or smaller) than the floor, below 1× worse. `;
  md += `The floor of the same-thread and memory scenarios is \`floor\`, a minimal hand-written Promise channel (bench/impls/floor.mjs); `;
  md += `across workers it is \`sab-ring\`, a minimal SharedArrayBuffer ring with Atomics (bench/workers/sab-ring.mjs), except in S5-1:1, whose floor is \`wasm-ring\`: the bare stamped ring of wasmchan's design with its loops wholly inside Wasm (bench/wasm-ring/ring.ts), the physical limit of this design. `;
  md += `\`floor-sync\` moves the same values through plain arrays without Promises (a lower bound, not a channel). `;
  md += `The machine may be shared: numbers are noisy, compare runs with \`--compare\`.\n\n`;
  md += `## Verdict\n\n${verdict(report).join("\n\n")}\n\n`;
  md += `## Summary\n\n${summaryTable(report)}\n`;
  md += probeTable(report);
  for (const s of report.scenarios) {
    const rs = byScenario.get(s.id);
    if (!rs?.length) continue;
    md += `\n## ${s.id}: ${s.title}\n\n`;
    if (s.description) md += `${s.description}\n\n`;
    md += `| implementation | median | min – max | ratio to floor | runs | messages verified | notes |\n|---|---:|---:|---:|---:|---:|---|\n`;
    for (const r of rs) {
      if (r.status === "skipped") md += `| ${r.label} | n/a | | | | | ${r.skipped} |\n`;
      else if (!r.ok) md += `| ${r.label} | **FAILED** | | | | | ${r.error} |\n`;
      else md += `| ${r.label} | ${fmtUnit(r.median, r.unit)} | ${fmtUnit(r.min, r.unit)} – ${fmtUnit(r.max, r.unit)} | ${r.ratio !== undefined ? r.ratio.toFixed(2) + "×" : "—"} | ${r.samples.length} | ${r.messagesVerified} | ${r.note ?? ""} |\n`;
    }
  }
  md += browserMarkdown(report.browser);
  if (report.notes?.length) md += `\n## Notes\n\n${report.notes.map((n) => `- ${n}`).join("\n")}\n`;
  md += `\n## Reading and comparing\n\nEvery sample is in results.json. To compare two runs: \`npm run bench -- --compare old/results.json\` prints, per scenario and implementation, the old and new medians, the delta, and the p-value of a Mann–Whitney rank test on the samples (exact for small samples, as benchstat); the delta is shown only when p < 0.05 and the medians differ, else "~".\n`;
  return md;
}

function escape(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function html(report) {
  const byScenario = rows(report);
  const allImpls = report.results.map((r) => r.impl);
  let body = "";
  for (const s of report.scenarios) {
    const all = byScenario.get(s.id) ?? [];
    if (!all.length) continue;
    const svg = chart({ title: s.title, unit: s.unit, all, allImpls, label: (r) => r.impl + (probeFailures(report, r.impl) ? ` ⚠${probeFailures(report, r.impl)}` : "") });
    body += `<section><h2>${escape(s.id)}: ${escape(s.title)} <small>(${escape(s.unit)}, floor: ${escape(s.floor)})</small></h2>${s.description ? `<p>${escape(s.description)}</p>` : ""}${svg}</section>\n`;
  }
  const libs = Object.keys(report.probes?.results ?? {});
  let probes = "";
  if (libs.length) {
    probes = `<section><h2>Semantic probes</h2><table><tr><th>probe</th>${libs.map((l) => `<th>${escape(l)}</th>`).join("")}</tr>`;
    for (const p of report.probes.list) {
      probes += `<tr><td>${escape(p.title)}</td>${libs.map((l) => {
        const r = report.probes.results[l][p.id];
        const cls = r?.status === "fail" ? "fail" : r?.status === "pass" ? "pass" : "na";
        return `<td class="${cls}" title="${escape(r?.detail ?? "")}">${r?.status === "pass" ? "✓" : r?.status === "fail" ? "✗" : "n/a"}</td>`;
      }).join("")}</tr>`;
    }
    probes += `</table></section>`;
  }
  const e = report.environment;
  return `<!doctype html><html><head><meta charset="utf-8"><title>wasmchan benchmarks</title><style>
body{font:14px system-ui,sans-serif;margin:2em;max-width:62em} svg text{font:12px system-ui,sans-serif} h2{font-size:1.05em;margin-top:1.6em}
h2 small{font-weight:normal;color:#666} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:2px 8px;text-align:center} td:first-child{text-align:left}
.pass{color:#080}.fail{color:#c00;font-weight:bold}.na{color:#888}
</style></head><body><h1>wasmchan benchmarks</h1>${report.loadWarning ? `<p><b>Warning:</b> ${escape(report.loadWarning)}</p>` : ""}<p>${escape(report.date)}${report.quick ? " — <b>quick run</b> (small counts)" : ""} — Node ${escape(e.node)}, ${e.cores} × ${escape(e.cpu)}${e.go ? `, ${escape(e.go)}` : ""}.
Bars: median per message on a logarithmic axis (shorter is better); whiskers: min–max over runs; dots: every run. Ratio: floor / this (above 1× beats the floor).
Blues: wasmchan's Wasm core and its forms; orange: the pure-TS core; greys: floors; cyan: Go; other colours: other libraries, one colour each in every chart; ⚠n: the library failed n semantic probes.</p>
<section id="verdict"><h2>Verdict</h2>${verdict(report).map((p) => `<p>${escape(p).replace(/\*\*(.+?)\*\*/g, "<b>$1</b>")}</p>`).join("")}</section>
${probes}
${body}${browserHtml(report.browser)}${report.notes?.length ? `<h2>Notes</h2><ul>${report.notes.map((n) => `<li>${escape(n)}</li>`).join("")}</ul>` : ""}</body></html>\n`;
}

export function writeReports(dir, report) {
  // samples rounded to 4 significant digits: the file stays small, the statistics do not change
  const round = (k, v) => (k === "samples" && Array.isArray(v) ? v.map((x) => +x.toPrecision(4)) : v);
  writeFileSync(`${dir}results.json`, JSON.stringify(report, round, 1) + "\n");
  writeFileSync(`${dir}REPORT.md`, markdown(report));
  writeFileSync(`${dir}report.html`, html(report));
}

/** benchstat-style comparison of two reports: old and new medians, delta, and a rank test. */
export function compare(oldReport, newReport) {
  const lines = ["| scenario | impl | old | new | delta | p (n) |", "|---|---|---:|---:|---:|---:|"];
  for (const n of newReport.results) {
    if (!n.ok) continue;
    const o = oldReport.results.find((r) => r.scenario === n.scenario && r.impl === n.impl && r.ok);
    if (!o) continue;
    const unit = n.unit ?? "ns/msg";
    const om = median(o.samples), nm = median(n.samples);
    const p = rankTest(o.samples, n.samples);
    const pct = om > 0 ? ((nm - om) / om) * 100 : nm === om ? 0 : NaN;
    const delta = p < 0.05 && Number.isNaN(pct) ? "(from 0)" : p < 0.05 && Math.abs(pct) >= 0.05 ? `${pct > 0 ? "+" : ""}${pct.toFixed(1)}%` : "~";
    lines.push(`| ${n.scenario} | ${n.impl} | ${fmtUnit(om, unit)} | ${fmtUnit(nm, unit)} | ${delta} | ${p.toFixed(3)} (${o.samples.length}+${n.samples.length}) |`);
  }
  if (oldReport.quick || newReport.quick) lines.push("", "(a quick run is in the comparison: its small counts make the numbers unreliable)");
  lines.push("", "delta: change of the median, shown only when a Mann–Whitney rank test on the samples gives p < 0.05 and the medians differ; \"~\" means no significant difference.");
  return lines.join("\n");
}
