// The browser bench's main side, the same in every environment (a page in Chromium or Firefox, and
// Node's main thread for the column to compare with): the cross-worker transports (transports.mjs),
// the same-thread scenarios S1–S4 on wasmchan's two cores and the hand-written floor, each with
// preemption on and off, and the stall probe (an `await ch.recv()` loop over a channel that is always
// full). Every run is verified; everything runs in interleaved rounds and the medians are compared
// within one environment. `deps` = { wasmchan, pure, RingBuffer, scenarios, floor, spawnWorker }.
import { transports, Tally } from "./transports.mjs";
import { preemptionAB, sameThreadAB, stallProbes } from "./preemption.mjs";
import { stallMeter, STALL_TIMER_MS } from "../stall.mjs";
import { median } from "../stats.mjs";

export { STALL_TIMER_MS };

export const SAME_THREAD = ["S1", "S1c", "S2", "S3", "S4"];
/** One verified transport run: n values from the worker to this thread (and `turn()`, if given). */
async function transportRun(deps, worker, t, n, turn = undefined) {
  const s = await t.setup(deps);
  const tally = new Tally();
  const meter = stallMeter();
  let timer;
  // A lost value (or a dead worker) leaves the consumer waiting: fail the run instead, with the tally.
  const watchdog = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${t.name}: ${tally.count} of ${n} values after ${RUN_TIMEOUT_MS / 1000} s (lost values, or the worker died)`)), RUN_TIMEOUT_MS);
  });
  try {
    meter.start();
    const t0 = performance.now();
    worker.post({ transport: t.name, data: s.data, n }, s.transfer);
    await Promise.race([s.consume(n, tally), watchdog]);
    if (s.left() !== 0) throw new Error(`verification failed (${t.name}): ${s.left()} values more than the ${n} sent`);
    if (turn) await turn(); // the preemption A/B: the event loop's turn after the run, in the time
    const t1 = performance.now();
    const stall = meter.stop();
    const done = await Promise.race([worker.next(), watchdog]);
    if (done.error) throw new Error(`worker: ${done.error}`);
    if (tally.count !== n || !tally.ok) throw new Error(`verification failed (${t.name}): ${tally.count} of ${n} values, in order: ${tally.ok}`);
    return { ns: ((t1 - t0) * 1e6) / n, stall };
  } finally {
    clearTimeout(timer);
    meter.stop();
    s.dispose();
  }
}

/** The longest a transport run may take (the slowest, postMessage per value, takes a few seconds). */
const RUN_TIMEOUT_MS = 120_000;

/** Same-thread subjects: the floor and wasmchan's two cores (preemption at its default). */
function subjects(deps) {
  const core = (name, label, m) => ({ name, label, chan: (cap) => m.chan(cap), select: m.select, recv: m.recv, send: m.send });
  return [deps.floor, core("wasm", "wasmchan (Wasm core)", deps.wasmchan), core("pure", "wasmchan/pure", deps.pure)];
}

/** bench/scenarios/same-thread.mjs's scenarios by id, each `n` scaled by `k` (a reduced run). */
function scaled(mod, k) {
  const out = {};
  for (const s of Object.values(mod)) if (s && s.id) out[s.id] = { ...s, n: Math.max(64, Math.round(s.n * k)) };
  return out;
}

/**
 * Runs everything: `n` values per transport run (postMessage per value: n / 4), `rounds` rounds;
 * `sameRounds` of the same-thread scenarios; the preemption A/B (preemption.mjs: `abRounds`, `abMs`,
 * `stallMs`). `progress(text)` reports as it goes. Returns plain data (JSON).
 */
export async function runHarness(deps, opts) {
  const { n, rounds, sameRounds, progress = () => {} } = opts;
  deps = { ...deps, scenarios: scaled(deps.scenarios, opts.sameScale ?? 1) };
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

  out.preemption.sameThread = await sameThreadAB(deps, SAME_THREAD, opts);
  out.stallProbe = await stallProbes(deps, opts);
  progress("preemption A/B and stall probe");
  return out;
}
