// The browser bench's main side, the same in every environment (a page in Chromium or Firefox, and
// Node's main thread for the column to compare with): the cross-worker transports (transports.mjs),
// the same-thread scenarios S1–S4 on wasmchan's two cores and the hand-written floor, each with
// preemption on and off, and the stall probe (an `await ch.recv()` loop over a channel that is always
// full). Every run is verified; everything runs in interleaved rounds and the medians are compared
// within one environment. `deps` = { wasmchan, pure, RingBuffer, scenarios, floor, spawnWorker }.
import { transports, Tally } from "./transports.mjs";
import { preemptionAB, sameThreadAB, stallProbes } from "./preemption.mjs";
import { stallMeter, STALL_TIMER_MS } from "../stall.mjs";

export { STALL_TIMER_MS };

export const SAME_THREAD = ["S1", "S1c", "S2", "S3", "S4"];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One verified transport run: n values from the worker to this thread (and `turn()`, if given). */
async function transportRun(deps, worker, t, n, turn = undefined) {
  const s = await t.setup(deps);
  const tally = new Tally();
  const meter = stallMeter();
  try {
    meter.start();
    const t0 = performance.now();
    worker.post({ transport: t.name, data: s.data, n }, s.transfer);
    await s.consume(n, tally);
    if (turn) await turn(); // the preemption A/B: the event loop's turn after the run, in the time
    const t1 = performance.now();
    const stall = meter.stop();
    const done = await worker.next();
    if (done.error) throw new Error(`worker: ${done.error}`);
    if (tally.count !== n || !tally.ok) throw new Error(`verification failed (${t.name}): ${tally.count} of ${n} values, in order: ${tally.ok}`);
    return { ns: ((t1 - t0) * 1e6) / n, stall };
  } finally {
    meter.stop();
    s.dispose();
  }
}

/** Same-thread subjects: the floor and wasmchan's two cores (preemption at its default). */
function subjects(deps) {
  const core = (name, label, m) => ({ name, label, chan: (cap) => m.chan(cap), select: m.select, recv: m.recv, send: m.send });
  return [deps.floor, core("wasm", "wasmchan (Wasm core)", deps.wasmchan), core("pure", "wasmchan/pure", deps.pure)];
}

/**
 * Runs everything: `n` values per transport run (postMessage per value: n / 4), `rounds` rounds;
 * `sameRounds` of the same-thread scenarios; the preemption A/B (preemption.mjs: `abRounds`, `abMs`,
 * `stallMs`). `progress(text)` reports as it goes. Returns plain data (JSON).
 */
export async function runHarness(deps, opts) {
  const { n, rounds, sameRounds, progress = () => {} } = opts;
  const out = { transports: {}, sameThread: {}, budgetMs: deps.wasmchan.preemption.budgetMs };
  const worker = await deps.spawnWorker();
  try {
    // ---- cross-worker transports, interleaved rounds after one warm-up run each
    const count = (t) => (t.name === "postmessage" ? Math.max(1000, n >> 2) : n);
    for (const t of transports) {
      out.transports[t.name] = { label: t.label, samples: [], stalls: [], messagesPerRun: count(t), messagesVerified: 0 };
      try {
        await transportRun(deps, worker, t, Math.min(count(t), 50_000));
      } catch (e) {
        out.transports[t.name].error = String(e?.message ?? e);
      }
    }
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < transports.length; j++) {
        const t = transports[(j + r) % transports.length];
        const res = out.transports[t.name];
        if (res.error) continue;
        try {
          const { ns, stall } = await transportRun(deps, worker, t, count(t));
          res.samples.push(ns);
          res.stalls.push(stall);
          res.messagesVerified += count(t);
        } catch (e) {
          res.error = String(e?.message ?? e);
        }
      }
      progress(`transports round ${r + 1}/${rounds}`);
    }
    out.preemption = await preemptionAB(deps, worker, (t, k, turn) => transportRun(deps, worker, t, k, turn), opts);
  } finally {
    worker.terminate();
  }
  for (const res of Object.values(out.transports)) {
    res.median = median(res.samples);
    res.stall = res.stalls.length ? Math.max(...res.stalls) : NaN;
  }

  // ---- same-thread scenarios: every subject in rotating order, 3 warm-up rounds
  const subs = subjects(deps);
  for (const id of SAME_THREAD) {
    const s = deps.scenarios[id];
    const res = (out.sameThread[id] = { title: s.title, subjects: {} });
    for (const x of subs) res.subjects[x.name] = { label: x.label, samples: [], messagesVerified: 0 };
    for (let r = 0; r < 3 + sameRounds; r++) {
      for (let j = 0; j < subs.length; j++) {
        const x = subs[(j + r) % subs.length];
        const rx = res.subjects[x.name];
        if (rx.error) continue;
        try {
          const t0 = performance.now();
          const got = await s.run(x, s.n);
          const ns = ((performance.now() - t0) * 1e6) / got.messages;
          rx.messagesVerified += got.messages;
          if (r >= 3) rx.samples.push(ns);
        } catch (e) {
          rx.error = String(e?.message ?? e);
        }
      }
    }
    for (const rx of Object.values(res.subjects)) rx.median = median(rx.samples);
    progress(`same-thread ${id}`);
  }

  out.preemption.sameThread = await sameThreadAB(deps, opts);
  out.stallProbe = await stallProbes(deps, opts);
  progress("preemption A/B and stall probe");
  return out;
}
