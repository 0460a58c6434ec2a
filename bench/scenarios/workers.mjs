// S5, across workers: int32 values from producer workers to consumers through each transport of
// bench/workers/ (wasmchan shared channels async and blocking, postMessage per value and batched,
// ringbuf.js, and the SAB-ring floor). Workers are started and attached before the clock starts;
// the time runs from "go" until every consumer has received and verified its values.
import { Worker } from "node:worker_threads";
import { readdirSync } from "node:fs";
import { performance } from "node:perf_hooks";


const dir = new URL("../workers/", import.meta.url);
const entry = new URL("entry.mjs", dir);
const ORDER = ["sab-ring", "wasm-sync", "wasm-async", "wasm-batch", "postmessage", "postmessage-batch", "ringbuf"];

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

/** One run: returns { ns (per message), messages }, after verifying every value. */
async function runOnce(t, topo, total, cap, timeoutMs) {
  const P = topo.producers, C = topo.consumers;
  const per = Math.floor(total / P);
  const n = per * P;
  const ctl = new Int32Array(new SharedArrayBuffer(8));
  const s = await t.setup({ cap, topology: topo.id, producers: P, consumers: C });
  const workers = [];
  let timer;
  try {
    const common = { transport: t.name, ctl: ctl.buffer, per, producers: P };
    for (let i = 0; i < P; i++) {
      const { data, transfer } = s.worker("producer", i);
      workers.push({ role: "producer", ...spawn({ ...common, role: "producer", index: i, data, from: i * per, to: (i + 1) * per }, transfer) });
    }
    for (let i = 0; i < C; i++) {
      const { data, transfer } = s.worker("consumer", i);
      // pairwise transports: consumer i receives exactly producer i's values; shared ones: until closed
      workers.push({ role: "consumer", ...spawn({ ...common, role: "consumer", index: i, data, expect: t.pairwise ? per : undefined }, transfer) });
    }
    await Promise.all(workers.map((w) => expectMsg(w.next(), `${w.role} start`)));
    const watchdog = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`run did not finish in ${timeoutMs / 1000} s (lost messages?)`)), timeoutMs); });
    const t0 = performance.now();
    Atomics.store(ctl, 0, 1);
    Atomics.notify(ctl, 0);
    const consumers = C === 0
      ? [s.consumeMain({ expect: n, per })]
      : workers.filter((w) => w.role === "consumer").map((w) => expectMsg(w.next(), "consumer"));
    const got = await Promise.race([Promise.all(consumers), watchdog]);
    const t1 = performance.now();
    await Promise.race([Promise.all(workers.filter((w) => w.role === "producer").map((w) => expectMsg(w.next(), "producer"))), watchdog]);
    const count = got.reduce((a, r) => a + r.count, 0);
    const sum = got.reduce((a, r) => a + r.sum, 0);
    if (count !== n) throw new Error(`verification failed: received ${count} of ${n} values`);
    if (sum !== (n * (n - 1)) / 2) throw new Error(`verification failed: sum ${sum}, expected ${(n * (n - 1)) / 2}`);
    if (!got.every((r) => r.orderOk)) throw new Error("verification failed: a producer's values arrived out of order");
    return { ns: ((t1 - t0) * 1e6) / n, messages: n };
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.w.terminate()));
    s.teardown?.();
  }
}

function s5(id, topo, title, description, fullCount, budgetMs) {
  const cap = 1024;
  const note = (t, messages) => `${messages} values per run` + (t.pairwise && topo.producers > 1 ? "; pairwise: producer i → consumer i" : "");
  return {
    id, title, description, kind: "workers", unit: "ns/msg", floor: "sab-ring",
    subjects: () => loadTransports(),
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
          out.set(t.name, { samples: [], messagesPerRun: 0, messagesVerified: 0 });
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
            res.messagesVerified += r.messages;
            res.messagesPerRun = r.messages;
            res.note = note(t, r.messages);
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

export const scenarios = [
  s5("S5-1:1", { id: "1-1", producers: 1, consumers: 0 }, "across workers: 1 producer worker → main thread, 250k int32",
    "One producer worker sends 250,000 int32 values (scaled down from the issue's 1M: the slowest transports take 4–6 s per 1M run, too long for several runs each) to a consumer on the main thread; channel/ring capacity 1024, postMessage at most 1024 values in flight. The clock runs from go (workers already started and attached) until the consumer has verified every value (count, sum, order).",
    250_000, 6_000),
  s5("S5-4:4", { id: "4-4", producers: 4, consumers: 4 }, "across workers: 4 producer workers → 4 consumer workers, 200k int32",
    "Four producer workers and four consumer workers (8 threads on this machine's cores) move 200,000 int32 values in total. wasmchan and the SAB floor use one shared MPMC channel/ring, closed by the last producer; postMessage and ringbuf.js (SPSC only) use four independent pairs, producer i → consumer i. Each consumer verifies per-producer order; the main thread checks count and sum.",
    200_000, 6_000),
];

