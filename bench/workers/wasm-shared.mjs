// What the wasmchan transports share: a SharedHeap channel of int32 made on the main thread, its
// descriptor handed to every worker, and attach() there. Each transport only says how it moves values.
import { SharedHeap, attach, codecs, preemption } from "wasmchan";
import { Tally } from "./verify.mjs";

/** A transport over one shared chan(cap, i32); `receive(ch, expect, tally)` is the main-thread consumer. */
export function wasmTransport({ name, label, receive, produce, consume, preempt = true }) {
  return {
    name, label, transport: true,
    spec: { receive, produce, consume }, // for a variant of this transport (the preemption A/B)
    async setup({ cap }) {
      const heap = await SharedHeap.create({ maxBytes: 8 << 20 });
      const ch = heap.chan(cap, codecs.i32);
      const desc = ch.share();
      return {
        worker: () => ({ data: desc }),
        async consumeMain({ expect, per }) {
          const t = new Tally(per);
          const was = preemption.budgetMs;
          if (!preempt) preemption.budgetMs = 0;
          try {
            await receive(ch, expect, t);
          } finally {
            preemption.budgetMs = was;
          }
          return t.result();
        },
        teardown: () => ch.dispose(),
      };
    },
    init: (role, desc) => {
      if (!preempt) preemption.budgetMs = 0; // this worker thread's: it runs this transport only
      return attach(desc);
    },
    produce,
    async consume(ch, { expect, per }) {
      const t = new Tally(per);
      await consume(ch, expect, t);
      return t.result();
    },
  };
}
