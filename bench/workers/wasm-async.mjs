// wasmchan shared channel (SharedHeap, codecs.i32), Promise forms: await send / await recv(Ok).
import { SharedHeap, attach, codecs } from "wasmchan";
import { Tally } from "./verify.mjs";

export const blocking = false;

export default {
  name: "wasm-async", label: "wasmchan shared chan(1024, i32), await send/recv", transport: true,
  async setup({ cap }) {
    const heap = await SharedHeap.create({ maxBytes: 8 << 20 });
    const ch = heap.chan(cap, codecs.i32);
    const desc = ch.share();
    return {
      worker: () => ({ data: desc }),
      async consumeMain({ expect, per }) {
        const t = new Tally(per);
        for (let i = 0; i < expect; i++) t.add(await ch.recv());
        return t.result();
      },
      teardown: () => ch.dispose(),
    };
  },
  init: (role, desc) => attach(desc),
  async produce(ch, { from, to, lastDone }) {
    for (let v = from; v < to; v++) await ch.send(v);
    if (lastDone()) ch.close();
  },
  async consume(ch, { expect, per }) {
    const t = new Tally(per);
    if (expect !== undefined) for (let i = 0; i < expect; i++) t.add(await ch.recv());
    else for (let r; (r = await ch.recvOk()).ok; ) t.add(r.value);
    return t.result();
  },
};
