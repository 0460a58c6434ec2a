// ringbuf.js: wait-free SPSC ring over a SharedArrayBuffer, one element per push/pop (channel-like use).
// It has no blocking call, so both sides poll; after 200 empty polls they back off with a 50 µs
// Atomics.wait timeout. SPSC only: 4 → 4 uses four independent rings (producer i → consumer i).
import { RingBuffer } from "ringbuf.js";
import { Tally } from "./verify.mjs";

const nap = new Int32Array(new SharedArrayBuffer(4));
function backoff(spins) {
  if (spins > 200) Atomics.wait(nap, 0, 0, 0.05);
}

function drain(rb, expect, per) {
  const one = new Int32Array(1);
  const t = new Tally(per);
  for (let i = 0; i < expect; i++) {
    for (let spins = 0; rb.pop(one, 1) === 0; spins++) backoff(spins);
    t.add(one[0]);
  }
  return t.result();
}

export default {
  name: "ringbuf", label: "ringbuf.js SPSC ring (polling), one element per push/pop", transport: true,
  pairwise: true,
  async setup({ cap, producers }) {
    const sabs = Array.from({ length: producers }, () => RingBuffer.getStorageForCapacity(cap, Int32Array));
    return {
      worker: (role, i) => ({ data: sabs[i] }),
      async consumeMain({ expect, per }) {
        return drain(new RingBuffer(sabs[0], Int32Array), expect, per);
      },
    };
  },
  init: (role, sab) => new RingBuffer(sab, Int32Array),
  async produce(rb, { from, to }) {
    const one = new Int32Array(1);
    for (let v = from; v < to; v++) {
      one[0] = v;
      for (let spins = 0; rb.push(one, 1) === 0; spins++) backoff(spins);
    }
  },
  async consume(rb, { expect, per }) {
    return drain(rb, expect, per);
  },
};
