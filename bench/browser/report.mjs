// The browser section of the report (REPORT.md, report.html, the verdict): one column per
// environment — Node, Chromium, Firefox — each measured by the same harness in the same run, so a
// row compares environments and each ratio is taken within one environment.
import { fmtUnit } from "../units.mjs";
import { SAME_THREAD, STALL_TIMER_MS } from "./harness.mjs";

/** The targets of issue 18, checked in every environment. */
export const TARGETS = { perValueVsPostMessage: 10, batchVsRing: 0.9, stallBudgets: 3, preemptCost: 0.95 };

const TRANSPORT_ROWS = [
  ["postmessage", "postMessage per value"],
  ["postmessage-batch", "postMessage of Int32Array(256)"],
  ["wasm-async", "wasmchan `sendSync` → `await ch.recv()`"],
  ["wasm-batch", "wasmchan `sendManySync(Int32Array(256))` → `await ch.recvManyInto(view)`"],
  ["sab-ring", "bare SharedArrayBuffer ring (hand-written floor)"],
  ["ringbuf", "ringbuf.js (polling)"],
];

const ms = (x) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : x.toFixed(0)} ms` : "—");
const x2 = (r) => (Number.isFinite(r) ? `${r.toFixed(r < 10 ? 2 : 1)}×` : "—");

function envs(b) {
  return b.environments.filter((e) => b.results[e.id] && !b.results[e.id].error);
}

/** Every failure in the browser section, one line each (a failed run fails the benchmark). */
export function browserFailures(b) {
  const out = [];
  for (const [id, r] of Object.entries(b.results)) {
    if (r.error) {
      out.push(`${id}: ${r.error.split("\n")[0]}`);
      continue;
    }
    for (const [name, t] of Object.entries(r.transports)) if (t.error) out.push(`${id} ${name}: ${t.error.split("\n")[0]}`);
    for (const [k, v] of Object.entries(r.preemption ?? {})) if (v.error) out.push(`${id} preemption ${k}: ${v.error}`);
    for (const [k, v] of Object.entries(r.preemption?.sameThread ?? {})) if (v.error) out.push(`${id} preemption ${k}: ${v.error}`);
    for (const [sid, s] of Object.entries(r.sameThread)) {
      for (const [name, x] of Object.entries(s.subjects)) if (x.error) out.push(`${id} ${sid} ${name}: ${x.error.split("\n")[0]}`);
    }
  }
  return out;
}

/** Throughput ratios and stall figures per environment: what the verdict and the tables state. */
export function figures(b) {
  const out = {};
  for (const e of envs(b)) {
    const r = b.results[e.id];
    const med = (name) => r.transports[name]?.median;
    const cost = {};
    for (const [k, v] of Object.entries(r.preemption?.sameThread ?? {})) cost[k] = v.ratio;
    for (const k of ["wasm-async", "wasm-batch"]) cost[`S5 ${k}`] = r.preemption?.[k]?.ratio;
    out[e.id] = {
      perValue: med("postmessage") / med("wasm-async"),
      batch: med("sab-ring") / med("wasm-batch"),
      stallOn: Math.max(r.stallProbe.wasm.on, r.stallProbe.pure.on),
      stallOff: Math.min(r.stallProbe.wasm.off, r.stallProbe.pure.off),
      budgetMs: r.budgetMs,
      cost,
      worstCost: Math.min(...Object.values(cost).filter(Number.isFinite)),
    };
  }
  return out;
}

/** Verdict sentences on the browser section (empty without one). */
export function browserVerdict(b) {
  if (!b) return [];
  const f = figures(b);
  const names = Object.fromEntries(b.environments.map((e) => [e.id, e.short ?? e.name]));
  const list = (k, fmt) => Object.entries(f).map(([id, x]) => `${names[id]} ${fmt(x[k])}`).join(", ");
  return [
    `**In browsers** (the same harness in ${Object.keys(f).map((id) => names[id]).join(", ")}; a worker feeds the main thread): ` +
      `wasmchan per value (\`sendSync\` → \`await ch.recv()\`) moves ${list("perValue", x2)} the values per second of postMessage per value (target ≥ ${TARGETS.perValueVsPostMessage}×); ` +
      `its batches reach ${list("batch", x2)} the bare SharedArrayBuffer ring's speed (target ≥ ${TARGETS.batchVsRing}×). ` +
      `With preemption on (budget ${Object.values(f)[0]?.budgetMs} ms) the longest event-loop stall of an \`await ch.recv()\` loop over a channel that is always full is ${list("stallOn", ms)} ` +
      `(target ≤ ${TARGETS.stallBudgets}× the budget; off: ${list("stallOff", ms)}, the whole loop), and its worst throughput cost over S1–S4 and the S5 shapes is ${list("worstCost", x2)} of preemption off (target ≥ ${TARGETS.preemptCost}×).`,
  ];
}

function transportCell(t) {
  if (!t) return "—";
  if (t.error) return `**FAILED**: ${t.error.split("\n")[0]}`;
  return `${fmtUnit(t.median, "ns/msg")} · stall ${ms(t.stall)}`;
}

/** The REPORT.md section. */
export function browserMarkdown(b) {
  if (!b) return "";
  const es = b.environments;
  const head = (first) => `| ${first} | ${es.map((e) => e.short ?? e.name).join(" | ")} |\n|---|${es.map(() => "---:").join("|")}|\n`;
  const cell = (id, f) => (b.results[id]?.error ? `**FAILED**: ${b.results[id].error.split("\n")[0]}` : f(b.results[id]));
  const o = b.options;
  let md = `\n## Browsers: a worker feeding the page's main thread (and Node, the same harness)\n\n`;
  md += `Environments: ${es.map((e) => `${e.name} (${e.note})`).join("; ")}.`;
  if (b.missing?.length) md += ` Not found on this machine: ${b.missing.join(", ")}.`;
  md += ` One worker sends ${o.n.toLocaleString("en")} int32 values per run (postMessage per value: a quarter as many) to the main thread, which awaits them (it may not block) and checks each, in order; ${o.rounds} interleaved rounds after a warm-up run each; medians per message. `;
  md += `**Stall**: the longest gap of a ${STALL_TIMER_MS} ms interval timer on the main thread during the runs — how long the page could not run a timer, an input event or a frame.\n\n`;
  md += head("transport");
  for (const [name, label] of TRANSPORT_ROWS) md += `| ${label} | ${es.map((e) => cell(e.id, (r) => transportCell(r.transports[name]))).join(" | ")} |\n`;
  const f = figures(b);
  const fig = (k, fmt) => es.map((e) => (f[e.id] ? fmt(f[e.id][k]) : "—")).join(" | ");
  md += `| **wasmchan per value ÷ postMessage per value** (target ≥ ${TARGETS.perValueVsPostMessage}×) | ${fig("perValue", x2)} |\n`;
  md += `| **wasmchan batches ÷ SAB ring** (target ≥ ${TARGETS.batchVsRing}×) | ${fig("batch", x2)} |\n`;

  md += `\n### Preemption in each environment\n\n`;
  md += `The stall probe: for ${o.stallMs} ms a task keeps a \`chan(1024, codecs.i32)\` full with \`await send\` while a loop \`await ch.recv()\`s, on each core. Throughput on ÷ off: the median over ${o.abRounds} pairs of the time per message with preemption off ÷ with it on (above 1×: on is faster), on and off taking turns in blocks of 3 measurements whose first is not kept (flipping the budget before every measurement cost the on side 3% by itself: the JIT re-specialises after each phase off), each measurement starting on a fresh turn of the event loop — S1–S4 on each core run back to back for ≥ ${o.abMs} ms a measurement, then one turn of the event loop inside the time (preemption costs one trip through the event loop per 10 ms over budget, so only long runs show it; without it, the browser does at that turn what it was kept from doing), and the two S5 shapes above with the main thread's preemption off.\n\n`;
  md += head("");
  md += `| longest stall, preemption on (budget ${Object.values(f)[0]?.budgetMs ?? "?"} ms; target ≤ ${TARGETS.stallBudgets}× budget) | ${fig("stallOn", ms)} |\n`;
  md += `| longest stall, preemption off | ${fig("stallOff", ms)} |\n`;
  const costKeys = Object.keys(Object.values(f)[0]?.cost ?? {});
  for (const k of costKeys) md += `| throughput on ÷ off, ${k} | ${es.map((e) => (f[e.id] ? x2(f[e.id].cost[k]) : "—")).join(" | ")} |\n`;
  md += `| **worst of these** (target ≥ ${TARGETS.preemptCost}×) | ${fig("worstCost", x2)} |\n`;

  md += `\n### Same-thread scenarios in each environment\n\n`;
  md += `${o.sameRounds} rounds after 3 warm-up rounds, the subjects in rotating order${o.sameScale !== 1 ? `, message counts × ${o.sameScale}` : ""}; median per message; preemption at its default.\n\n`;
  md += head("scenario · implementation");
  for (const id of SAME_THREAD) {
    const any = es.map((e) => b.results[e.id]?.sameThread?.[id]).find(Boolean);
    if (!any) continue;
    for (const [name, sub] of Object.entries(any.subjects)) {
      md += `| ${id} · ${sub.label} | ${es.map((e) => cell(e.id, (r) => {
        const x = r.sameThread[id]?.subjects[name];
        return !x ? "—" : x.error ? `**FAILED**: ${x.error}` : fmtUnit(x.median, "ns/msg");
      })).join(" | ")} |\n`;
    }
  }
  return md;
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** The report.html section: the same tables, as HTML. */
export function browserHtml(b) {
  if (!b) return "";
  const md = browserMarkdown(b);
  let html = "";
  let table = null;
  const inline = (s) => esc(s).replace(/\*\*(.+?)\*\*/g, "<b>$1</b>").replace(/`(.+?)`/g, "<code>$1</code>");
  for (const line of md.split("\n")) {
    if (line.startsWith("|")) {
      const cells = line.slice(1, -1).split(" | ").map((c) => c.trim());
      if (/^-+|^---/.test(cells[0]) || /^\|---/.test(line)) continue;
      if (!table) {
        table = `<table><tr>${cells.map((c) => `<th>${inline(c)}</th>`).join("")}</tr>`;
        continue;
      }
      table += `<tr>${cells.map((c) => `<td>${inline(c)}</td>`).join("")}</tr>`;
      continue;
    }
    if (table) {
      html += `${table}</table>`;
      table = null;
    }
    if (line.startsWith("### ")) html += `<h3>${inline(line.slice(4))}</h3>`;
    else if (line.startsWith("## ")) html += `<h2>${inline(line.slice(3))}</h2>`;
    else if (line.trim()) html += `<p>${inline(line)}</p>`;
  }
  if (table) html += `${table}</table>`;
  return `<section id="browsers">${html}</section>\n`;
}
