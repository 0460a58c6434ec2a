// S5, across workers: int32 values from producer workers to consumers through each transport of
// bench/workers/ (wasmchan shared channels async and blocking, postMessage per value and batched,
// ringbuf.js, and the SAB-ring floor). Workers are started and attached before the clock starts;
// the time runs from "go" until every consumer has received and verified its values.
import { Worker } from "node:worker_threads";
import { readdirSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { availableParallelism } from "node:os";
import { stallMeter } from "../stall.mjs";


const dir = new URL("../workers/", import.meta.url);
const entry = new URL("entry.mjs", dir);
const ORDER = ["wasm-ring", "sab-ring", "wasm-sync", "wasm-async", "wasm-batch", "wasm-async-nopreempt", "wasm-batch-nopreempt", "postmessage", "postmessage-batch", "ringbuf"];

let transports;
async function loadTransports() {
  if (transports) return transports;
  transports = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".mjs") && f !== "entry.mjs")) {
    try {
      const t = (await import(new URL(f, dir))).default;
      if (t?.transport) transports.push(t);
    } catch (e) {
      transports.push({ name: f.replace(/\.mjs$/, ""), label: f, transport: true, unavailable: String(e?.message ?? e).split("\n")[0] });
    }
  }
  const rank = (n) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  transports.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  return transports;
}

function spawn(workerData, transfer) {
  const w = new Worker(entry, { workerData, transferList: transfer });
  const msgs = [];
  let waiting = null;
  const next = () => new Promise((resolve, reject) => {
    if (msgs.length) return resolve(msgs.shift());
    waiting = { resolve, reject };
  });
  w.on("message", (m) => { if (waiting) { const q = waiting; waiting = null; q.resolve(m); } else msgs.push(m); });
  w.on("error", (e) => { if (waiting) { const q = waiting; waiting = null; q.reject(e); } else msgs.push({ error: String(e?.stack ?? e) }); });
  w.on("exit", (code) => { if (waiting && code !== 0) { const q = waiting; waiting = null; q.reject(new Error(`worker exited with code ${code}`)); } });
  return { w, next };
}

const expectMsg = async (p, what) => {
  const m = await p;
  if (m.error) throw new Error(`${what}: ${m.error.split("\n")[0]}`);
  return m;
};

/** Checks a phase's results: every value once (count and sum) and each producer's values in order. */
function verify(got, n, what) {
  const count = got.reduce((a, r) => a + r.count, 0);
  const sum = got.reduce((a, r) => a + r.sum, 0);
  if (count !== n) throw new Error(`verification failed (${what}): received ${count} of ${n} values`);
  if (sum !== (n * (n - 1)) / 2) throw new Error(`verification failed (${what}): sum ${sum}, expected ${(n * (n - 1)) / 2}`);
  if (!got.every((r) => r.orderOk)) throw new Error(`verification failed (${what}): a producer's values arrived out of order`);
}

/** Values of each run's untimed warm-up phase (S5 times the steady state, not a fresh thread's JIT). */
const WARM = 50_000;

/** Starts `k` threads that burn CPU until stopped (S5-busy: the machine made busy on purpose). */
function busyThreads(k) {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const src = `const { workerData } = require("node:worker_threads"); const stop = new Int32Array(workerData);
    let x = 0; while (Atomics.load(stop, 0) === 0) { for (let i = 0; i < 100000; i++) x = (x * 1103515245 + 12345) | 0; }`;
  const ws = Array.from({ length: k }, () => new Worker(src, { eval: true, workerData: stop.buffer }));
  return async () => {
    Atomics.store(stop, 0, 1);
    await Promise.all(ws.map((w) => w.terminate()));
  };
}

/** One run: returns { ns (per message), messages }, after verifying every value. The workers first
 *  move WARM values through a warm-up instance of the transport (same threads, verified, untimed);
 *  then the clock runs from "go" until every timed value has arrived and been verified. */
async function runOnce(t, topo, total, cap, timeoutMs) {
  const P = topo.producers, C = topo.consumers;
  const per = Math.floor(total / P);
  const n = per * P;
  const warmPer = Math.floor(WARM / P);
  // [phase: 0 wait, 1 warm-up, 2 timed; producers done in the warm-up; producers done in the timed phase]
  const ctl = new Int32Array(new SharedArrayBuffer(12));
  const opts = { cap, topology: topo.id, producers: P, consumers: C };
  const warm = await t.setup(opts);
  const s = await t.setup(opts);
  const stopBusy = topo.busy ? busyThreads(topo.busy) : null;
  const workers = [];
  let timer;
  try {
    const common = { transport: t.name, ctl: ctl.buffer, per, warmPer, producers: P };
    for (let i = 0; i < P; i++) {
      const w = warm.worker("producer", i);
      const { data, transfer } = s.worker("producer", i);
      workers.push({ role: "producer", ...spawn({ ...common, role: "producer", index: i, warm: w.data, data }, [...(w.transfer ?? []), ...(transfer ?? [])]) });
    }
    for (let i = 0; i < C; i++) {
      const w = warm.worker("consumer", i);
      const { data, transfer } = s.worker("consumer", i);
      // pairwise transports: consumer i receives exactly producer i's values; shared ones: until closed
      workers.push({ role: "consumer", ...spawn({ ...common, role: "consumer", index: i, warm: w.data, data, pairwise: !!t.pairwise }, [...(w.transfer ?? []), ...(transfer ?? [])]) });
    }
    const watchdog = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`run did not finish in ${timeoutMs / 1000} s (lost messages?)`)), timeoutMs); });
    const phase = async (k, setup, count, perP, what) => {
      Atomics.store(ctl, 0, k);
      Atomics.notify(ctl, 0);
      const consumers = C === 0
        ? [setup.consumeMain({ expect: count, per: perP })]
        : workers.filter((w) => w.role === "consumer").map((w) => expectMsg(w.next(), `consumer ${what}`));
      const got = await Promise.race([Promise.all(consumers), watchdog]);
      const t1 = performance.now();
      await Promise.race([Promise.all(workers.filter((w) => w.role === "producer").map((w) => expectMsg(w.next(), `producer ${what}`))), watchdog]);
      verify(got, count, what);
      return t1;
    };
    await Promise.race([Promise.all(workers.map((w) => expectMsg(w.next(), `${w.role} start`))), watchdog]);
    await phase(1, warm, warmPer * P, warmPer, "warm-up");
    const meter = stallMeter(); // the main thread's event loop, while it consumes (1:1) or waits (4:4)
    meter.start();
    const t0 = performance.now();
    const t1 = await phase(2, s, n, per, "timed");
    const stall = meter.stop();
    return { ns: ((t1 - t0) * 1e6) / n, messages: n, stall };
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.w.terminate()));
    await stopBusy?.();
    warm.teardown?.();
    s.teardown?.();
  }
}

function s5(id, topo, title, description, fullCount, budgetMs, floor = "sab-ring") {
  const cap = 1024;
  const note = (t, messages) => `${messages} values per run` + (t.pairwise && topo.producers > 1 ? "; pairwise: producer i → consumer i" : "");
  return {
    id, title, description, kind: "workers", unit: "ns/msg", floor,
    subjects: async () => (await loadTransports()).filter((t) => !t.only || t.only.includes(topo.id)),
    /** Measures every transport in rounds — one run of each per round, in turn — so that a change in
     *  this shared machine's load lands on all of them alike and the ratios of one report stay
     *  comparable. Returns a Map from transport name to its result. */
    async measureAll(ts, ctx) {
      const total = ctx.quick ? 20_000 : fullCount;
      const minRounds = ctx.quick ? 1 : 5, maxRounds = ctx.quick ? 1 : 9;
      const out = new Map();
      const live = [];
      for (const t of ts) {
        if (t.unavailable) out.set(t.name, { skipped: `not loaded: ${t.unavailable}` });
        else {
          out.set(t.name, { samples: [], messagesPerRun: 0, messagesVerified: 0, stalls: [] });
          live.push(t);
        }
      }
      if (!ctx.quick) {
        for (const t of live) { // warm-up runs, not timed; a failure is reported for that transport alone
          try {
            await runOnce(t, topo, 20_000, cap, 30_000);
          } catch (e) {
            out.get(t.name).error = e;
          }
        }
      }
      const start = performance.now();
      for (let round = 0; round < maxRounds; round++) {
        if (round >= minRounds && performance.now() - start > budgetMs * live.length) break;
        for (const t of live) {
          const res = out.get(t.name);
          if (res.error) continue;
          try {
            const r = await runOnce(t, topo, total, cap, ctx.quick ? 20_000 : 120_000);
            res.samples.push(r.ns);
            res.stalls.push(+r.stall.toFixed(1));
            res.stallMs = Math.max(...res.stalls);
            res.messagesVerified += r.messages;
            res.messagesPerRun = r.messages;
            res.note = `${note(t, r.messages)}; longest main-thread stall ${res.stallMs.toFixed(0)} ms`;
          } catch (e) {
            res.error = e; // reported for this transport; the others go on
          }
        }
        ctx.progress?.(".");
      }
      return out;
    },
  };
}

const cores = availableParallelism();

export const scenarios = [
  s5("S5-1:1", { id: "1-1", producers: 1, consumers: 0 }, "across workers: 1 producer worker → main thread, 250k int32",
    "One producer worker sends 250,000 int32 values to a consumer on the main thread; channel/ring capacity 1024, postMessage at most 1024 values in flight. Each run first moves 50,000 values through a warm-up instance of the transport in the same threads (verified, not timed); the clock then runs from go until the consumer has verified every value (count, sum, order). The floor is this design's physical limit: a bare stamped ring whose loops run wholly inside Wasm.",
    250_000, 6_000, "wasm-ring"),
  s5("S5-busy", { id: "1-1", producers: 1, consumers: 0, busy: cores }, `across workers on a busy machine: S5-1:1 with ${cores} CPU-bound threads alongside`,
    `S5-1:1 while ${cores} extra threads (one per core) burn CPU for the whole run, started before the warm-up and stopped after the last value: the producer and the consumer are descheduled at random, as on a loaded machine. Every transport runs in the same interleaved rounds.`,
    250_000, 6_000),
  s5("S5-4:4", { id: "4-4", producers: 4, consumers: 4 }, "across workers: 4 producer workers → 4 consumer workers, 200k int32",
    "Four producer workers and four consumer workers (8 threads on this machine's cores) move 200,000 int32 values in total. wasmchan and the SAB floor use one shared MPMC channel/ring, closed by the last producer; postMessage and ringbuf.js (SPSC only) use four independent pairs, producer i → consumer i. Each consumer verifies per-producer order; the main thread checks count and sum. Each run has an untimed warm-up phase of 50,000 values first.",
    200_000, 6_000),
];
