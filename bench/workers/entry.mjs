// Worker entry of the S5 scenarios: loads the transport named in workerData, initialises both its
// instances (the warm-up one and the timed one: attach, ports, ...), posts "ready", then for each phase
// blocks until the main thread says go, produces or consumes, and posts the result.
import { parentPort, workerData } from "node:worker_threads";

const { transport, role, index, warm, data, ctl: ctlBuf, per, warmPer, producers, pairwise } = workerData;
const t = (await import(new URL(`./${transport}.mjs`, import.meta.url))).default;
const ctl = new Int32Array(ctlBuf); // [phase, producers done in the warm-up, producers done timed]
const states = [await t.init(role, warm), await t.init(role, data)];
parentPort.postMessage({ ready: true });
for (const phase of [1, 2]) {
  Atomics.wait(ctl, 0, phase - 1);
  const state = states[phase - 1];
  const p = phase === 1 ? warmPer : per;
  try {
    if (role === "producer") {
      const from = index * p, to = (index + 1) * p;
      await t.produce(state, { from, to, lastDone: () => Atomics.add(ctl, phase, 1) === producers - 1 });
      parentPort.postMessage({ done: true, count: to - from });
    } else {
      const r = await t.consume(state, { expect: pairwise ? p : undefined, per: p, index });
      parentPort.postMessage({ done: true, ...r });
    }
  } catch (e) {
    parentPort.postMessage({ error: String(e?.stack ?? e) });
  }
}
