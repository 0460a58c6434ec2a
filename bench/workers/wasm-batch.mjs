// wasmchan shared channel (SharedHeap, codecs.i32) in batches of typed arrays: producers
// sendManySync an Int32Array of 256 values (one buffer, reused), the main-thread consumer awaits
// recvManyInto(Int32Array(256)), worker consumers recvManyIntoSync — the same semantics as single sends
// and receives, one lock and one copy per batch.
import { wasmTransport } from "./wasm-shared.mjs";

const BATCH = 256;

export default wasmTransport({
  name: "wasm-batch", label: "wasmchan shared chan(1024, i32), sendManySync(Int32Array)/recvManyInto (256 a call)",
  async receive(ch, expect, t) {
    const view = new Int32Array(BATCH);
    for (let got = 0; got < expect; ) {
      const k = await ch.recvManyInto(expect - got >= BATCH ? view : view.subarray(0, expect - got));
      for (let i = 0; i < k; i++) t.add(view[i]);
      got += k;
    }
  },
  async produce(ch, { from, to, lastDone }) {
    const buf = new Int32Array(BATCH);
    for (let v = from; v < to; ) {
      const k = Math.min(BATCH, to - v);
      for (let i = 0; i < k; i++) buf[i] = v++;
      ch.sendManySync(k === BATCH ? buf : buf.subarray(0, k));
    }
    if (lastDone()) ch.close();
  },
  consume(ch, expect, t) {
    const view = new Int32Array(BATCH);
    if (expect !== undefined) {
      for (let got = 0; got < expect; ) {
        const k = ch.recvManyIntoSync(expect - got >= BATCH ? view : view.subarray(0, expect - got));
        for (let i = 0; i < k; i++) t.add(view[i]);
        got += k;
      }
    } else {
      for (let k; (k = ch.recvManyIntoSync(view)) > 0; ) for (let i = 0; i < k; i++) t.add(view[i]);
    }
  },
});
