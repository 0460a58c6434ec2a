// A close racing lock-free operations: a producer sends distinct values by a random form (trySend,
// sendSync, send) until the channel is closed under it, and records each value whose send it saw
// complete (`sent`, a shared array of flags); a consumer receives by a random form until closed and
// drained, and marks each value (`seen`). Go's rule: a send that completed is received exactly once,
// and one that did not complete (it threw "send on closed channel") is never received.
import { parentPort, workerData } from "node:worker_threads";
import { attach } from "wasmchan";

const { role, desc, from, to, sent: sentBuf, seen: seenBuf, seed } = workerData;
const ch = await attach(desc);
let x = seed | 1;
const rand = (n) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
let count = 0;
if (role === "producer") {
  const sent = new Int32Array(sentBuf);
  try {
    for (let v = from; v < to; v++) {
      const form = rand(3);
      if (form === 0) { while (!ch.trySend(v)); }
      else if (form === 1) ch.sendSync(v);
      else await ch.send(v);
      Atomics.store(sent, v, 1);
      count++;
    }
  } catch (e) {
    if (!/send on closed channel/.test(String(e))) throw e;
  }
} else {
  const seen = new Int32Array(seenBuf);
  for (;;) {
    const form = rand(3);
    let r;
    if (form === 0) { r = ch.tryRecv(); if (r === undefined) continue; }
    else if (form === 1) r = ch.recvSyncOk();
    else r = await ch.recvOk();
    if (!r.ok) break;
    if (Atomics.add(seen, r.value, 1) !== 0) throw new Error(`value ${r.value} received twice`);
    count++;
  }
}
parentPort.postMessage({ done: true, count });
