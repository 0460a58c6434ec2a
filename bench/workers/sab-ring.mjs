// The S5 floor: a minimal SharedArrayBuffer ring with Atomics (ring.mjs): lock-free SPSC for 1 → 1,
// one shared MPMC ring (mutex + futex words) for 4 → 4. Blocking on both sides.
import { SpscRing, MpmcRing } from "./ring.mjs";
import { Tally } from "./verify.mjs";

export default {
  name: "sab-ring", label: "minimal SharedArrayBuffer ring + Atomics (the floor)", transport: true,
  async setup({ cap, topology }) {
    const mpmc = topology !== "1-1";
    const sab = mpmc ? MpmcRing.create(cap) : SpscRing.create(cap);
    return {
      worker: () => ({ data: { sab, mpmc } }),
      async consumeMain({ expect, per }) {
        const ring = new SpscRing(sab);
        const t = new Tally(per);
        for (let i = 0; i < expect; i++) t.add(ring.recv());
        return t.result();
      },
    };
  },
  init: (role, { sab, mpmc }) => (mpmc ? new MpmcRing(sab) : new SpscRing(sab)),
  async produce(ring, { from, to, lastDone }) {
    for (let v = from; v < to; v++) ring.send(v);
    if (lastDone() && ring.close) ring.close();
  },
  async consume(ring, { expect, per }) {
    const t = new Tally(per);
    if (expect !== undefined) for (let i = 0; i < expect; i++) t.add(ring.recv());
    else for (;;) { const v = ring.recv(); if (!ring.ok) break; t.add(v); }
    return t.result();
  },
};
