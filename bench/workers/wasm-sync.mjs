// wasmchan shared channel (SharedHeap, codecs.i32), blocking forms: sendSync / recvSync / recvSyncOk
// (Atomics.wait; the 1 → 1 main-thread consumer blocks Node's main thread, which Node allows).
import { SharedHeap, attach, codecs } from "wasmchan";
import { Tally } from "./verify.mjs";

export default {
  name: "wasm-sync", label: "wasmchan shared chan(1024, i32), sendSync/recvSync", transport: true,
  async setup({ cap }) {
    const heap = await SharedHeap.create({ maxBytes: 8 << 20 });
    const ch = heap.chan(cap, codecs.i32);
    const desc = ch.share();
    return {
      worker: () => ({ data: desc }),
      async consumeMain({ expect, per }) {
        const t = new Tally(per);
        for (let i = 0; i < expect; i++) t.add(ch.recvSync());
        return t.result();
      },
      teardown: () => ch.dispose(),
    };
  },
  init: (role, desc) => attach(desc),
  async produce(ch, { from, to, lastDone }) {
    for (let v = from; v < to; v++) ch.sendSync(v);
    if (lastDone()) ch.close();
  },
  async consume(ch, { expect, per }) {
    const t = new Tally(per);
    if (expect !== undefined) for (let i = 0; i < expect; i++) t.add(ch.recvSync());
    else for (let r; (r = ch.recvSyncOk()).ok; ) t.add(r.value);
    return t.result();
  },
};
