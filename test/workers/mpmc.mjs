// A worker for the shared-channel tests: produces or consumes on an attached channel.
//   producer: sends values from..to-1, each by sendSync, await send, or a select send case (mode)
//   consumer: receives until the channel is closed, marking each value in the shared `seen` array
// mode "mixed" picks the form at random per operation. Posts { done, count } at the end.
import { parentPort, workerData } from "node:worker_threads";
import { attach, select, recv, send } from "wasmchan";

const { role, desc, other, from, to, mode, seen: seenBuf, seed } = workerData;
const ch = await attach(desc);
const spare = other ? await attach(other) : null; // a second channel, so selects have two cases
const seen = seenBuf ? new Int32Array(seenBuf) : null;
let x = seed | 1;
const rand = (n) => {
  x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
  return (x >>> 0) % n;
};
const pick = () => (mode === "mixed" ? ["sync", "async", "select"][rand(3)] : mode);

let count = 0;
if (role === "producer") {
  for (let v = from; v < to; v++) {
    const how = pick();
    if (how === "sync") ch.sendSync(v);
    else if (how === "async") await ch.send(v);
    else {
      // select over our send and a receive on a channel nobody sends on: only the send can win
      const r = await select([send(ch, v), recv(spare)]);
      if (r.index !== 0) throw new Error(`select chose case ${r.index}`);
    }
    count++;
  }
} else {
  for (;;) {
    const how = pick();
    let r;
    if (how === "sync") r = ch.recvSyncOk();
    else if (how === "async") r = await ch.recvOk();
    else {
      const s = await select([recv(ch), recv(spare)]);
      if (s.index !== 0) throw new Error(`select chose case ${s.index}`);
      r = s;
    }
    if (!r.ok) break;
    if (Atomics.add(seen, r.value, 1) !== 0) throw new Error(`value ${r.value} received twice`);
    count++;
  }
}
parentPort.postMessage({ done: true, count });
