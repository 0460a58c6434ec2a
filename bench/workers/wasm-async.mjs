// wasmchan shared channel (SharedHeap, codecs.i32), Promise forms: await send / await recv(Ok).
import { wasmTransport } from "./wasm-shared.mjs";

export default wasmTransport({
  name: "wasm-async", label: "wasmchan shared chan(1024, i32), await send/recv",
  async receive(ch, expect, t) {
    for (let i = 0; i < expect; i++) t.add(await ch.recv());
  },
  async produce(ch, { from, to, lastDone }) {
    for (let v = from; v < to; v++) await ch.send(v);
    if (lastDone()) ch.close();
  },
  async consume(ch, expect, t) {
    if (expect !== undefined) for (let i = 0; i < expect; i++) t.add(await ch.recv());
    else for (let r; (r = await ch.recvOk()).ok; ) t.add(r.value);
  },
});
