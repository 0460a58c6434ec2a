// postMessage, one message per value, over a MessageChannel per producer/consumer pair. Flow control
// (else the sender floods the receiver's queue): at most 1024 values in flight, acknowledged through a
// SharedArrayBuffer word every 64 messages; a producer that runs ahead blocks in Atomics.wait.
import { MessageChannel } from "node:worker_threads";
import { Tally } from "./verify.mjs";

export const WINDOW = 1024, ACK = 64;

export function receive(port, credit, expect, per, onValue) {
  const t = new Tally(per);
  return new Promise((resolve) => {
    port.on("message", (m) => {
      onValue(m, t);
      if ((t.count & (ACK - 1)) === 0 || t.count >= expect) {
        Atomics.store(credit, 0, t.count);
        Atomics.notify(credit, 0);
      }
      if (t.count >= expect) { port.close(); resolve(t.result()); }
    });
  });
}

export function waitCredit(credit, sent, window) {
  for (let c = Atomics.load(credit, 0); sent - c >= window; c = Atomics.load(credit, 0)) Atomics.wait(credit, 0, c);
}

export function pairs(producers) {
  return Array.from({ length: producers }, () => {
    const { port1, port2 } = new MessageChannel();
    return { port1, port2, credit: new SharedArrayBuffer(4) };
  });
}

export default {
  name: "postmessage", label: "postMessage per value (window 1024)", transport: true, pairwise: true,
  async setup({ producers }) {
    const ps = pairs(producers);
    return {
      worker: (role, i) => role === "producer"
        ? { data: { port: ps[i].port1, credit: ps[i].credit }, transfer: [ps[i].port1] }
        : { data: { port: ps[i].port2, credit: ps[i].credit }, transfer: [ps[i].port2] },
      consumeMain: ({ expect, per }) => receive(ps[0].port2, new Int32Array(ps[0].credit), expect, per, (m, t) => t.add(m)),
    };
  },
  init: (role, { port, credit }) => ({ port, credit: new Int32Array(credit) }),
  async produce({ port, credit }, { from, to }) {
    let sent = 0;
    for (let v = from; v < to; v++) {
      waitCredit(credit, sent, WINDOW);
      port.postMessage(v);
      sent++;
    }
  },
  consume: ({ port, credit }, { expect, per }) => receive(port, credit, expect, per, (m, t) => t.add(m)),
};
