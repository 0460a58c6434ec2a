// wasmchan shared channel (SharedHeap, codecs.i32) in batches: producers sendManySync 256 values at a
// time, the main-thread consumer awaits recvMany(256), worker consumers recvManySync(256) — the same
// semantics as single sends and receives, one lock per batch.
import { wasmTransport } from "./wasm-shared.mjs";

const BATCH = 256;

export default wasmTransport({
  name: "wasm-batch", label: "wasmchan shared chan(1024, i32), sendManySync/recvMany (256 a call)",
  async receive(ch, expect, t) {
    for (let got = 0; got < expect; ) {
      const vs = await ch.recvMany(Math.min(BATCH, expect - got));
      for (const v of vs) t.add(v);
      got += vs.length;
    }
  },
  async produce(ch, { from, to, lastDone }) {
    const buf = [];
    for (let v = from; v < to; v += BATCH) {
      buf.length = 0;
      for (let w = v; w < Math.min(to, v + BATCH); w++) buf.push(w);
      ch.sendManySync(buf);
    }
    if (lastDone()) ch.close();
  },
  consume(ch, expect, t) {
    if (expect !== undefined) {
      for (let got = 0; got < expect; ) {
        const vs = ch.recvManySync(Math.min(BATCH, expect - got));
        for (const v of vs) t.add(v);
        got += vs.length;
      }
    } else {
      for (let vs; (vs = ch.recvManySync(BATCH)).length > 0; ) for (const v of vs) t.add(v);
    }
  },
});
