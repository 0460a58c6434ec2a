// Stress worker over several shared channels of different capacities (unbuffered, 1, 1024): every
// form of every op at random — sendSync, send, trySend then send, select over sends to all, sendMany
// and sendManySync of a run of values; recvSyncOk, recvOk, tryRecv, select over all open channels,
// recvMany and recvManySync — with exact accounting in the shared `seen` array.
// Progress as in Go: consumer 0 is "universal" (it only waits in a select over every open channel,
// taking one value at a time), so a blocked producer is always served.
import { parentPort, workerData } from "node:worker_threads";
import { attach, select, recv, send } from "wasmchan";

const { role, chans: descs, from, to, seen: seenBuf, seed, universal } = workerData;
const chans = await Promise.all(descs.map((d) => attach(d)));
let x = seed | 1;
const rand = (n) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
let count = 0;
const forms = new Array(6).fill(0);

if (role === "producer") {
  for (let v = from; v < to; ) {
    const ch = chans[rand(chans.length)];
    const form = rand(6);
    forms[form]++;
    if (form >= 4) {
      const run = [];
      for (let k = 1 + rand(40); k > 0 && v < to; k--) run.push(v++);
      if (form === 4) await ch.sendMany(run);
      else ch.sendManySync(run);
      count += run.length;
      continue;
    }
    switch (form) {
      case 0: ch.sendSync(v); break;
      case 1: await ch.send(v); break;
      case 2: if (!ch.trySend(v)) await ch.send(v); break;
      default: await select(chans.map((c) => send(c, v)));
    }
    v++;
    count++;
  }
} else {
  const seen = new Int32Array(seenBuf);
  let open = [...chans];
  const mark = (v) => {
    if (Atomics.add(seen, v, 1) !== 0) throw new Error(`value ${v} received twice`);
    count++;
  };
  const shut = (ch) => { open = open.map((c) => (c === ch ? null : c)); };
  while (open.some((c) => c !== null)) {
    const live = open.filter((c) => c !== null);
    const ch = live[rand(live.length)];
    const form = universal ? 3 : rand(6);
    forms[form]++;
    if (form === 3) {
      const s = await select(open.map((c) => recv(c)));
      if (s.ok) mark(s.value);
      else shut(open[s.index]);
      continue;
    }
    if (form >= 4) {
      const max = 1 + rand(64);
      const got = form === 4 ? await ch.recvMany(max) : ch.recvManySync(max);
      if (got.length === 0) shut(ch); // [] only once closed and drained
      for (const v of got) mark(v);
      continue;
    }
    let r;
    if (form === 0) r = ch.recvSyncOk();
    else if (form === 1) r = await ch.recvOk();
    else if ((r = ch.tryRecv()) === undefined) continue;
    if (r.ok) mark(r.value);
    else shut(ch);
  }
}
parentPort.postMessage({ done: true, count, forms });
