// What preemption costs and what it buys, in each environment. Its cost is one trip through the event
// loop per slice that runs over budget (about one per 10 ms of back-to-back operations), so it shows
// only in runs much longer than the budget, and is a few per cent at most: a fair A/B needs long runs,
// each starting on a fresh turn of the event loop (so no run pays for the yields another skipped),
// with on and off taking turns in blocks (see `schedule`).
//   - preemptionAB: the S5 shapes (a worker feeding the main thread: wasm-async, wasm-batch), on/off
//   - sameThreadAB: S1–S4 on each core, each measurement back-to-back runs for ≥ abMs, on/off
//   - stallProbes: an `await ch.recv()` loop over an always-full channel: the longest timer gap
import { transports, withoutPreemption } from "./transports.mjs";
import { stallMeter } from "../stall.mjs";
import { median } from "../stats.mjs";

/** A full turn of the event loop: timers that are due run, and the browser does what it put off
 *  (rendering, idle-time GC). Then a message, so what follows runs outside a timer task (timers set
 *  from chained timer tasks are clamped to 4 ms). */
const freshTurn = () => new Promise((resolve) => setTimeout(() => {
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = () => {
    port1.close();
    resolve();
  };
  port2.postMessage(null);
}, 0));

/** The order of the A/B's measurements: blocks of BLOCK measurements of one mode, the modes taking
 *  turns (off first in even blocks), the first of each block not kept. Measured here: flipping the
 *  budget before every measurement cost the "on" side 3% by itself (the JIT re-specialises the clock
 *  check after each phase with preemption off), which a user who never flips it does not pay; a block's
 *  first measurement takes that, the kept ones see the mode's steady state. `rounds` kept per mode. */
const BLOCK = 3;
function* schedule(rounds) {
  for (let b = 0; b < Math.ceil(rounds / (BLOCK - 1)); b++) {
    for (const k of b % 2 ? ["on", "off"] : ["off", "on"]) for (let i = 0; i < BLOCK; i++) yield [k, i > 0];
  }
}

/** The ratio is the median over rounds of off ÷ on within the round: the machine here shifts between
 *  regimes (the same run 140 or 220 ns for a few rounds), which a ratio of medians would mix. */
function pair(onSamples, offSamples) {
  const ratios = onSamples.map((on, i) => offSamples[i] / on);
  return { on: { samples: onSamples, median: median(onSamples) }, off: { samples: offSamples, median: median(offSamples) }, ratio: median(ratios) };
}

/** The S5 shapes with the main thread's preemption on and off, `abRounds` kept of each (`schedule`). */
export async function preemptionAB(deps, worker, run, { n, abRounds }) {
  const out = {};
  for (const name of Object.keys(withoutPreemption)) {
    const on = transports.find((t) => t.name === name), off = withoutPreemption[name];
    const s = { on: [], off: [] };
    try {
      for (const [k, keep] of schedule(abRounds)) {
        await freshTurn();
        const { ns } = await run(k === "on" ? on : off, n, freshTurn);
        if (keep) s[k].push(ns);
      }
      out[name] = pair(s.on, s.off);
    } catch (e) {
      out[name] = { error: String(e?.message ?? e) };
    }
  }
  return out;
}

/** S1–S4 on each core: each measurement runs the scenario back to back for at least `abMs`, then lets
 *  the event loop have its turn, inside the time: a run with preemption off has put off for that long
 *  what one with it on did along the way (rendering, timers, idle-time GC), and pays for it here. */
export async function sameThreadAB(deps, ids, { abRounds, abMs }) {
  const lib = deps.wasmchan; // its `preemption` is both entries' (one API layer, src/api/preempt.ts)
  const was = lib.preemption.budgetMs;
  const out = {};
  for (const id of ids) {
    const sc = deps.scenarios[id];
    for (const [core, m] of [["wasm", deps.wasmchan], ["pure", deps.pure]]) {
      const impl = { chan: (cap) => m.chan(cap), select: m.select, recv: m.recv, send: m.send };
      const s = { on: [], off: [] };
      try {
        for (const [k, keep] of schedule(abRounds)) {
          await freshTurn();
          lib.preemption.budgetMs = k === "on" ? was : 0;
          let messages = 0;
          const t0 = performance.now();
          do messages += (await sc.run(impl, sc.n)).messages;
          while (performance.now() - t0 < abMs);
          await freshTurn();
          if (keep) s[k].push(((performance.now() - t0) * 1e6) / messages);
        }
        out[`${id} ${core}`] = pair(s.on, s.off);
      } catch (e) {
        out[`${id} ${core}`] = { error: String(e?.message ?? e) };
      } finally {
        lib.preemption.budgetMs = was;
      }
    }
  }
  return out;
}

/** For `ms`, a task keeps a chan(1024, i32) full with `await send` while the loop `await ch.recv()`s;
 *  the longest timer gap and the time per value, with the given budget (0: off). */
async function stallProbe(m, lib, budgetMs, ms) {
  const was = lib.preemption.budgetMs;
  lib.preemption.budgetMs = budgetMs;
  try {
    await freshTurn();
    const ch = m.chan(1024, m.codecs.i32);
    let stop = false, sent = 0, next = 0, ordered = true;
    const producer = (async () => {
      while (!stop) await ch.send(sent++);
      ch.close();
    })();
    const meter = stallMeter();
    meter.start();
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < ms) {
      if ((await ch.recv()) !== next++) ordered = false;
      n++;
    }
    const stall = meter.stop();
    const ns = ((performance.now() - t0) * 1e6) / n;
    stop = true;
    for await (const v of ch) if (v !== next++) ordered = false;
    await producer;
    if (!ordered || next !== sent) throw new Error(`stall probe: values lost or out of order (${next} of ${sent})`);
    return { stall, ns };
  } finally {
    lib.preemption.budgetMs = was;
  }
}

/** The stall probe on each core, preemption on (the default budget) and off. */
export async function stallProbes(deps, { stallMs }) {
  const out = {};
  for (const [name, m] of [["wasm", deps.wasmchan], ["pure", deps.pure]]) {
    const on = await stallProbe(m, m, m.preemption.budgetMs, stallMs);
    const off = await stallProbe(m, m, 0, stallMs);
    out[name] = { on: on.stall, off: off.stall, nsOn: on.ns, nsOff: off.ns };
  }
  return out;
}
