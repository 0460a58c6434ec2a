// wasmchan shared channel (SharedHeap, codecs.i32), blocking forms: sendSync / recvSync / recvSyncOk
// (Atomics.wait; the 1 → 1 main-thread consumer blocks Node's main thread, which Node allows).
import { wasmTransport } from "./wasm-shared.mjs";

export default wasmTransport({
  name: "wasm-sync", label: "wasmchan shared chan(1024, i32), sendSync/recvSync",
  receive(ch, expect, t) {
    for (let i = 0; i < expect; i++) t.add(ch.recvSync());
  },
  async produce(ch, { from, to, lastDone }) {
    for (let v = from; v < to; v++) ch.sendSync(v);
    if (lastDone()) ch.close();
  },
  consume(ch, expect, t) {
    if (expect !== undefined) for (let i = 0; i < expect; i++) t.add(ch.recvSync());
    else for (let r; (r = ch.recvSyncOk()).ok; ) t.add(r.value);
  },
});
