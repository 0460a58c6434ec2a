// A worker of the worker-kill stress test (test/kill.test.ts): sends or receives on a shared channel
// with one kind of operation until done or refused, logging into shared memory as it goes, so that
// what it did is known even if it is terminated at any instant.
//   log layout (Int32Array): [0] values confirmed sent (sender: ids base .. base + [0] - 1, in order)
//                            or values received (receiver: the values follow at [1 ..])
//   role "send": n values base + 0 .. base + n - 1;  role "recv": until closed
//   mode: "sync" | "async" | "batch" | "select" | "typed" (sendManySync of the codec's typed array,
//   recvManyIntoSync into one: `packed`, "Int32Array" or "Float64Array"); text: values as decimal
//   strings (a string(n) channel)
import { parentPort, workerData } from "node:worker_threads";
import { attach, select, send, recv, ChannelError } from "wasmchan";

const { role, mode, desc, log, base, n, batch, text, packed } = workerData;
// Values travel as numbers, or as their decimal text on a string(n) channel (a variable-length slot).
const enc = text ? (x) => String(x) : (x) => x;
const ch = await attach(desc);
const out = new Int32Array(log);
parentPort.postMessage({ ready: true });

function logRecv(v) {
  v = Number(v);
  const k = out[0];
  Atomics.store(out, 1 + k, v);
  Atomics.store(out, 0, k + 1);
}

async function sender() {
  let i = 0;
  while (i < n) {
    if (mode === "sync") { ch.sendSync(enc(base + i)); i++; }
    else if (mode === "async") { await ch.send(enc(base + i)); i++; }
    else if (mode === "select") { await select([send(ch, enc(base + i))]); i++; }
    else if (mode === "typed") {
      const k = Math.min(batch, n - i);
      const a = new globalThis[packed](k);
      for (let j = 0; j < k; j++) a[j] = base + i + j;
      ch.sendManySync(a);
      i += k;
    } else {
      const k = Math.min(batch, n - i);
      ch.sendManySync(Array.from({ length: k }, (_, j) => enc(base + i + j)));
      i += k;
    }
    Atomics.store(out, 0, i);
    if (i % 64 === 0) await new Promise((r) => setImmediate(r)); // let the event loop run (reaping, death watch)
  }
}

async function receiver() {
  for (let round = 0; ; round++) {
    if (mode === "sync") { const r = ch.recvSyncOk(); if (!r.ok) return; logRecv(r.value); }
    else if (mode === "async") { const r = await ch.recvOk(); if (!r.ok) return; logRecv(r.value); }
    else if (mode === "select") { const r = await select([recv(ch)]); if (!r.ok) return; logRecv(r.value); }
    else if (mode === "typed") { const view = new globalThis[packed](batch); const k = ch.recvManyIntoSync(view); if (k === 0) return; for (let j = 0; j < k; j++) logRecv(view[j]); }
    else { const vs = ch.recvManySync(batch); if (vs.length === 0) return; for (const v of vs) logRecv(v); }
    if (round % 64 === 0) await new Promise((r) => setImmediate(r));
  }
}

try {
  await (role === "send" ? sender() : receiver());
  parentPort.postMessage({ end: "done", at: Date.now() });
} catch (e) {
  parentPort.postMessage({ end: e instanceof ChannelError ? "ChannelError" : "other", message: String(e), at: Date.now() });
}
