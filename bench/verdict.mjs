// verdict: the report's story in words, computed from the figures of one run — who wins where, and
// by how much. REPORT.md, report.html and the README quote it; nothing in it is written by hand.
import { browserVerdict } from "./browser/report.mjs";
import { median } from "./stats.mjs";

const OURS = new Set(["wasm", "pure"]);
const FLOORS = new Set(["floor", "floor-sync", "sab-ring", "wasm-ring"]);
// "-nopreempt": the same transport with preemption off, the A/B of its cost (stated on its own)
const isOurs = (impl) => OURS.has(impl) || impl.startsWith("wasm-") && impl !== "wasm-ring" && !impl.endsWith("-nopreempt");
const isPeer = (impl) => !isOurs(impl) && !FLOORS.has(impl) && impl !== "go" && !impl.endsWith("-nopreempt");

const x = (v) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2)) + "×";
const gmean = (vs) => Math.exp(vs.reduce((a, v) => a + Math.log(v), 0) / vs.length);

/** Median per implementation of each scenario of `kind` (ok results only). */
function medians(report, kind) {
  const out = [];
  for (const s of report.scenarios.filter((s) => s.kind === kind)) {
    const m = new Map();
    for (const r of report.results) if (r.scenario === s.id && r.ok) m.set(r.impl, median(r.samples));
    if (m.size) out.push({ s, m });
  }
  return out;
}

/** "the Wasm core 0.61–0.98× the floor (geometric mean 0.75×)" over scenarios where both ran. */
function spanVs(rows, impl, other) {
  const rs = rows.filter(({ m }) => m.has(impl) && m.has(other)).map(({ m }) => m.get(other) / m.get(impl));
  if (!rs.length) return undefined;
  const lo = Math.min(...rs), hi = Math.max(...rs);
  return rs.length === 1 ? x(lo) : `${x(lo)}–${x(hi)} (geometric mean ${x(gmean(rs))})`;
}

/** In how many scenarios `impl` beats every other library that ran, and the best of those against it. */
function againstPeers(rows, impl) {
  let wins = 0, n = 0;
  const losses = [];
  for (const { s, m } of rows) {
    if (!m.has(impl)) continue;
    const peers = [...m].filter(([k]) => isPeer(k));
    if (!peers.length) continue;
    n++;
    const [best, v] = peers.reduce((a, b) => (b[1] < a[1] ? b : a));
    if (m.get(impl) <= v) wins++;
    else losses.push(`${s.id}: ${best} ${x(m.get(impl) / v)} faster`);
  }
  return { wins, n, losses };
}

function sameThread(report) {
  const rows = medians(report, "same-thread");
  if (!rows.length) return undefined;
  const parts = [];
  for (const [impl, name] of [["wasm", "the Wasm core"], ["pure", "the pure-TS core"]]) {
    const f = spanVs(rows, impl, "floor");
    if (!f) continue;
    const p = againstPeers(rows, impl);
    let t = `${name} runs at ${f} the speed of the hand-written Promise channel`;
    if (p.n) t += ` and is the fastest channel library in ${p.wins} of ${p.n} scenarios${p.losses.length ? ` (behind: ${p.losses.join("; ")})` : ""}`;
    parts.push(t);
  }
  if (!parts.length) return undefined;
  const go = goPhrase(rows, "wasm");
  return `**On one thread** (${rows.map(({ s }) => s.id).join(", ")}), ${parts.join("; ")}.${go ? ` Go's channels take ${go} the Wasm core's time per message.` : ""}`;
}

/** "0.08×–0.6×": Go's time over `impl`'s, below 1× where Go is faster. */
function goPhrase(rows, impl) {
  const rs = rows.filter(({ m }) => m.has(impl) && m.has("go")).map(({ m }) => m.get("go") / m.get(impl));
  if (!rs.length) return undefined;
  const lo = Math.min(...rs), hi = Math.max(...rs);
  return lo === hi ? x(lo) : `${x(lo)}–${x(hi)}`;
}

function workers(report) {
  const rows = medians(report, "workers");
  if (!rows.length) return undefined;
  const parts = [];
  for (const { s, m } of rows) {
    const ours = [...m].filter(([k]) => isOurs(k)).sort((a, b) => a[1] - b[1]);
    if (!ours.length) continue;
    const [best, v] = ours[0];
    const vs = [];
    const cost = ["wasm-async", "wasm-batch"].filter((k) => m.has(k) && m.has(`${k}-nopreempt`))
      .map((k) => `${k} ${x(m.get(`${k}-nopreempt`) / m.get(k))}`);
    const floor = s.floor ?? "sab-ring";
    if (m.has(floor)) vs.push(`${x(m.get(floor) / v)} the ${floor} floor`);
    if (m.has("postmessage")) vs.push(`${x(m.get("postmessage") / v)} postMessage per value`);
    const peers = [...m].filter(([k]) => isPeer(k) && k !== "postmessage");
    if (peers.length) {
      const [p, pv] = peers.reduce((a, b) => (b[1] < a[1] ? b : a));
      vs.push(`${x(pv / v)} ${p}`);
    }
    if (m.has("go")) vs.push(`Go ${x(m.get("go") / v)} (its time / ours)`);
    parts.push(`${s.id}: ${best} is wasmchan's fastest at ${fmt(v)} per message — ${vs.join(", ")}` +
      (cost.length ? `; with preemption on, throughput ${cost.join(", ")} of preemption off` : ""));
  }
  if (!parts.length) return undefined;
  return `**Across workers** (ratios: their time / ours, above 1× means wasmchan is faster) — ${parts.join("; ")}.`;
}

function memory(report) {
  const rows = medians(report, "memory");
  if (!rows.length) return undefined;
  const parts = rows.filter(({ m }) => m.has("wasm") || m.has("pure")).map(({ s, m }) => {
    const t = ["wasm", "pure"].filter((k) => m.has(k)).map((k) => `${k} ${Math.round(m.get(k))} B`);
    const floor = m.has("floor") ? `, the floor ${Math.round(m.get("floor"))} B` : "";
    const go = m.has("go") ? `, Go ${Math.round(m.get("go"))} B` : "";
    return `${s.id}: ${t.join(", ")}${floor}${go}`;
  });
  if (!parts.length) return undefined;
  return `**Memory** per item — ${parts.join("; ")}.`;
}

function fmt(ns) {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}

function processes(report) {
  const rows = medians(report, "processes");
  const parts = rows.filter(({ m }) => m.has("bridge")).map(({ s, m }) => {
    const v = m.get("bridge");
    const vs = [["jetstream-pipelined", "the bare JetStream client with 256 publishes in flight"], ["jetstream", "one publish at a time"], ["core", "core NATS (not persisted)"]]
      .filter(([k]) => m.has(k)).map(([k, what]) => `${x(m.get(k) / v)} ${what}`);
    return `${s.id}: the bridge takes ${fmt(v)} per message — ${vs.join(", ")}`;
  });
  if (!parts.length) return undefined;
  return `**Across processes over NATS** (their time / the bridge's, above 1× means the bridge is faster) — ${parts.join("; ")}.`;
}

/** B1: sendMany against the `await send`s it stands for (issue 19: no more per value), and trySend. */
function batches(report) {
  const rows = medians(report, "batches");
  const parts = rows.filter(({ m }) => m.has("sendMany") && m.has("send")).map(({ s, m }) => {
    const many = m.get("sendMany");
    const tryS = m.has("trySend") ? `, ${x(m.get("trySend") / many)} trySend per value (${fmt(m.get("trySend"))})` : "";
    return `${s.id}: sendMany ${fmt(many)} a value, ${x(m.get("send") / many)} the speed of await send per value (${fmt(m.get("send"))})${tryS}`;
  });
  if (!parts.length) return undefined;
  return `**Batches** (bytes(1024), 256 a call; the 1 KB copy each value needs dominates, and its cost moves with the allocator's state by up to ±15% between runs) — ${parts.join("; ")}.`;
}

/** S8's targets: wasmchan/pool's best form against piscina, per scenario (issue 19). */
const POOL_TARGET = { "S8-tiny": 20, "S8-cpu": 4, "S8-bytes": 5 };

function pools(report) {
  const rows = medians(report, "pools");
  const parts = rows.filter(({ m }) => m.has("piscina")).map(({ s, m }) => {
    const p = m.get("piscina");
    const r = (k) => report.results.find((x) => x.scenario === s.id && x.impl === k && x.ok);
    const best = ["wasmchan-batch", "wasmchan"].filter((k) => m.has(k)).sort((a, b) => m.get(a) - m.get(b))[0];
    const others = ["tinypool", "workerpool", "postmessage"].filter((k) => m.has(k)).map((k) => `${k} ${x(p / m.get(k))}`);
    if (best === undefined) return `${s.id}: ${others.join(", ")}`;
    const b = r(best);
    const target = POOL_TARGET[s.id] !== undefined ? ` (target ≥ ${POOL_TARGET[s.id]}×, stall ≤ 50 ms)` : "";
    const per = best === "wasmchan-batch" && m.has("wasmchan") ? `, per task ${x(p / m.get("wasmchan"))}` : "";
    return `${s.id}: wasmchan/pool ${best === "wasmchan-batch" ? "batched" : "per task"} ${x(p / m.get(best))} piscina's speed${target}, longest main-thread stall ${b?.stallMs?.toFixed(0) ?? "?"} ms, memory +${b?.peakMB?.toFixed(0) ?? "?"} MB (piscina: ${r("piscina")?.stallMs?.toFixed(0) ?? "?"} ms, +${r("piscina")?.peakMB?.toFixed(0) ?? "?"} MB)${per}; ${others.join(", ")}`;
  });
  if (!parts.length) return undefined;
  return `**Worker pools** (S8: 2 workers, 1024 tasks in flight; ratios: piscina's time per task / theirs) — ${parts.join("; ")}.`;
}

/** The verdict: a paragraph per kind of scenario, markdown (bold only). */
export function verdict(report) {
  return [sameThread(report), batches(report), workers(report), memory(report), processes(report), pools(report), ...browserVerdict(report.browser)].filter(Boolean);
}
