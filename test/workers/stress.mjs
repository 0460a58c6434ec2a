// Stress worker: random mixes of every operation on two shared channels, with exact accounting.
// Producers send each value of [from, to) once, on A or B, by a random form (sendSync, send, trySend
// falling back to send, select over sends on both). Consumers receive by a random form until both channels are
// closed and drained, disabling a closed channel's select case with null (Go's nil-channel idiom),
// and mark each value in the shared `seen` array.
// Progress is guaranteed the way it would be in Go: one consumer is "universal" — it only ever waits
// on both channels at once (a select) — so a producer blocked on either channel is always served;
// the other consumers may block on one channel, or poll with tryRecv, at random.
import { parentPort, workerData } from "node:worker_threads";
import { attach, select, recv, send } from "wasmchan";

const { role, a: da, b: db, from, to, seen: seenBuf, seed, universal } = workerData;
const A = await attach(da);
const B = await attach(db);
let x = seed | 1;
const rand = (n) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
let count = 0;

if (role === "producer") {
  for (let v = from; v < to; v++) {
    const ch = rand(2) ? A : B;
    switch (rand(4)) {
      case 0: ch.sendSync(v); break;
      case 1: await ch.send(v); break;
      case 2: if (!ch.trySend(v)) await ch.send(v); break; // try, then block
      default: await select([send(A, v), send(B, v)]);
    }
    count++;
  }
} else {
  const seen = new Int32Array(seenBuf);
  let open = [A, B];
  const mark = (v) => {
    if (Atomics.add(seen, v, 1) !== 0) throw new Error(`value ${v} received twice`);
    count++;
  };
  while (open[0] !== null || open[1] !== null) {
    const live = open.filter((c) => c !== null);
    const ch = live[rand(live.length)];
    const form = universal ? 3 : rand(4);
    let r, which = ch;
    if (form === 0) r = ch.recvSyncOk();
    else if (form === 1) r = await ch.recvOk();
    else if (form === 2 && (r = ch.tryRecv()) !== undefined) {
      // got one (or saw the close) without waiting
    } else {
      const s = await select([recv(open[0]), recv(open[1])]);
      which = open[s.index];
      r = s;
    }
    if (r.ok) mark(r.value);
    else open = open.map((c) => (c === which ? null : c));
  }
}
parentPort.postMessage({ done: true, count });
