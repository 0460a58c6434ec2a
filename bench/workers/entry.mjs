// Worker entry of the S5 scenarios: loads the transport named in workerData, initialises its end
// (attach, ports, ...), posts "ready", blocks until the main thread says go, then produces or
// consumes and posts the result.
import { parentPort, workerData } from "node:worker_threads";

const { transport, role, index, data, ctl: ctlBuf, from, to, expect, per, producers } = workerData;
const t = (await import(new URL(`./${transport}.mjs`, import.meta.url))).default;
const ctl = new Int32Array(ctlBuf); // [go, producers done]
const state = await t.init(role, data);
parentPort.postMessage({ ready: true });
Atomics.wait(ctl, 0, 0);
try {
  if (role === "producer") {
    await t.produce(state, { from, to, lastDone: () => Atomics.add(ctl, 1, 1) === producers - 1 });
    parentPort.postMessage({ done: true, count: to - from });
  } else {
    const r = await t.consume(state, { expect, per, index });
    parentPort.postMessage({ done: true, ...r });
  }
} catch (e) {
  parentPort.postMessage({ error: String(e?.stack ?? e) });
}
