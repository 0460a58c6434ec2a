// postMessage in batches: an Int32Array of 256 values per message, its buffer transferred; the same
// window of 1024 values in flight as the per-value variant.
import { pairs, receive, waitCredit, WINDOW } from "./postmessage.mjs";

const BATCH = 256;
const addAll = (m, t) => { for (let i = 0; i < m.length; i++) t.add(m[i]); };

export default {
  name: "postmessage-batch", label: "postMessage, batches of 256 (transferred Int32Array)", transport: true, pairwise: true,
  async setup({ producers }) {
    const ps = pairs(producers);
    return {
      worker: (role, i) => role === "producer"
        ? { data: { port: ps[i].port1, credit: ps[i].credit }, transfer: [ps[i].port1] }
        : { data: { port: ps[i].port2, credit: ps[i].credit }, transfer: [ps[i].port2] },
      consumeMain: ({ expect, per }) => receive(ps[0].port2, new Int32Array(ps[0].credit), expect, per, addAll),
    };
  },
  init: (role, { port, credit }) => ({ port, credit: new Int32Array(credit) }),
  async produce({ port, credit }, { from, to }) {
    let sent = 0;
    for (let v = from; v < to; ) {
      const n = Math.min(BATCH, to - v);
      waitCredit(credit, sent, WINDOW - n + 1);
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = v++;
      port.postMessage(a, [a.buffer]);
      sent += n;
    }
  },
  consume: ({ port, credit }, { expect, per }) => receive(port, credit, expect, per, addAll),
};
