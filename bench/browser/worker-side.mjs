// The browser bench's worker side, the same in a Web Worker and a Node worker thread: for each task
// the main thread posts ({ transport, data, n }), produce n values through that transport, then say so.
import { transports, withoutPreemption } from "./transports.mjs";

/** A message handler for `deps` ({ wasmchan, RingBuffer }) that answers through `post`. */
export function workerMain(deps, post) {
  return async (msg) => {
    try {
      const t = [...transports, ...Object.values(withoutPreemption)].find((x) => x.name === msg.transport);
      if (!t) throw new Error(`no transport ${msg.transport}`);
      await t.produce(deps, msg.data, msg.n);
      post({ done: true });
    } catch (e) {
      post({ error: String(e?.stack ?? e) });
    }
  };
}

/** The main side's view of a worker: post(msg, transfer), next() → the next message, terminate(). */
export function workerHandle(post, setOnMessage, terminate) {
  const queue = [];
  let waiting = null;
  setOnMessage((m) => {
    if (waiting) {
      const w = waiting;
      waiting = null;
      w(m);
    } else queue.push(m);
  });
  return {
    post,
    next: () => new Promise((resolve) => (queue.length ? resolve(queue.shift()) : (waiting = resolve))),
    terminate,
  };
}
