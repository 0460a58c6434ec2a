// The cross-worker transports of the browser bench: one Web Worker (or Node worker thread) produces
// int32 values 0..n-1, the main thread consumes them — the shape of a page fed by a worker. Written
// once for every environment: the environment's entry passes in `wasmchan` and `RingBuffer` (a page
// and a worker cannot share bare imports) and runs `main` on the main thread, `produce` in the worker.
//
//   { name, label, setup(deps, cap) → { data, transfer, consume(n, tally) → Promise, left() → values
//     still there after the n (0: nothing extra arrived), dispose() },
//     produce(deps, data, n) (in the worker) }
//
// The main side never blocks (a page's main thread may not): it awaits, and a `Tally` checks every
// value once, in order.

export const CAP = 1024;
export const BATCH = 256;
const WINDOW = 1024; // postMessage: values in flight before the producer waits for an acknowledgement
const ACK = 64;

/** postMessage, one message per value over a MessageChannel; the producer blocks on a credit word. */
function postMessageTransport(name, label, batch) {
  return {
    name, label,
    setup() {
      const { port1, port2 } = new MessageChannel();
      const credit = new Int32Array(new SharedArrayBuffer(4));
      let tally, expected = 0;
      return {
        data: { port: port2, credit: credit.buffer }, transfer: [port2],
        consume: (n, t) => new Promise((resolve) => {
          tally = t;
          expected = n;
          const take = (m) => {
            if (batch) for (let i = 0; i < m.length; i++) t.add(m[i]);
            else t.add(m);
            if ((t.count & (ACK - 1)) === 0 || t.count >= n || batch) {
              Atomics.store(credit, 0, t.count);
              Atomics.notify(credit, 0);
            }
            if (t.count >= n) resolve();
          };
          port1.onmessage = (e) => take(e.data);
        }),
        left: () => (tally ? tally.count - expected : 0), // a message past the n: counted when it came
        dispose: () => port1.close(),
      };
    },
    produce(deps, { port, credit: buf }, n) {
      const credit = new Int32Array(buf);
      const wait = (sent, window) => {
        for (let c = Atomics.load(credit, 0); sent - c >= window; c = Atomics.load(credit, 0)) Atomics.wait(credit, 0, c);
      };
      if (!batch) {
        for (let v = 0; v < n; v++) {
          wait(v, WINDOW);
          port.postMessage(v);
        }
        return;
      }
      for (let v = 0; v < n; ) {
        const k = Math.min(BATCH, n - v);
        wait(v, WINDOW - k + 1);
        const a = new Int32Array(k);
        for (let i = 0; i < k; i++) a[i] = v++;
        port.postMessage(a, [a.buffer]);
      }
    },
  };
}

let heap; // one SharedHeap for every run: a channel per run, disposed by the main thread after it

/** wasmchan: a SharedHeap chan(CAP, i32); the worker sends with the blocking forms, the main thread
 *  awaits. With `preempt: false` the main thread's preemption is off for the run (the A/B). */
function wasmTransport(name, label, batch, preempt = true) {
  return {
    name, label, preempt,
    async setup({ wasmchan }) {
      heap ??= await wasmchan.SharedHeap.create({ maxBytes: 16 << 20 });
      const ch = heap.chan(CAP, wasmchan.codecs.i32);
      return {
        data: ch.share(), transfer: [],
        async consume(n, t) {
          const was = wasmchan.preemption.budgetMs;
          if (!preempt) wasmchan.preemption.budgetMs = 0;
          try {
            if (!batch) for (let i = 0; i < n; i++) t.add(await ch.recv());
            else {
              const view = new Int32Array(BATCH);
              for (let got = 0; got < n; ) {
                const k = await ch.recvManyInto(n - got >= BATCH ? view : view.subarray(0, n - got));
                for (let i = 0; i < k; i++) t.add(view[i]);
                got += k;
              }
            }
          } finally {
            wasmchan.preemption.budgetMs = was;
          }
        },
        left: () => ch.len,
        dispose: () => ch.dispose(),
      };
    },
    async produce({ wasmchan }, desc, n) {
      const ch = await wasmchan.attach(desc);
      if (!batch) for (let v = 0; v < n; v++) ch.sendSync(v);
      else {
        const buf = new Int32Array(BATCH); // one buffer: sendManySync copies it into the channel
        for (let v = 0; v < n; ) {
          const k = Math.min(BATCH, n - v);
          for (let i = 0; i < k; i++) buf[i] = v++;
          ch.sendManySync(k === BATCH ? buf : buf.subarray(0, k));
        }
      }
      // Not disposed: dispose() would drop what is still buffered for every thread. The main thread
      // disposes it once it has every value; this thread's reference goes with its garbage.
    },
  };
}

/** The floor: a bare SPSC ring of int32 over a SharedArrayBuffer (words: head, tail, consumer
 *  asleep), written for exactly this job. The main thread drains what is there and, when the ring is
 *  empty, sleeps in Atomics.waitAsync; the producer blocks in Atomics.wait when it is full. */
const sabRing = {
  name: "sab-ring", label: "bare SharedArrayBuffer SPSC ring + Atomics (the floor)",
  setup() {
    const sab = new SharedArrayBuffer(16 + CAP * 4);
    const w = new Int32Array(sab, 0, 4), data = new Int32Array(sab, 16);
    return {
      data: sab, transfer: [],
      async consume(n, t) {
        let h = 0;
        while (h < n) {
          const tail = Atomics.load(w, 1);
          if (tail === h) {
            Atomics.store(w, 2, 1);
            if (Atomics.load(w, 1) === h) await Atomics.waitAsync(w, 1, h).value;
            Atomics.store(w, 2, 0);
            continue;
          }
          for (; h !== tail; h++) t.add(data[h % CAP]);
          Atomics.store(w, 0, h);
          Atomics.notify(w, 0); // the producer may sleep on a full ring
        }
      },
      left: () => Atomics.load(w, 1) - Atomics.load(w, 0), // written and not read
      dispose() {},
    };
  },
  produce(deps, sab, n) {
    const w = new Int32Array(sab, 0, 4), data = new Int32Array(sab, 16);
    for (let t = 0; t < n; t++) {
      for (let h = Atomics.load(w, 0); t - h >= CAP; h = Atomics.load(w, 0)) Atomics.wait(w, 0, h);
      data[t % CAP] = t;
      Atomics.store(w, 1, t + 1);
      if (Atomics.load(w, 2) !== 0) Atomics.notify(w, 1);
    }
  },
};

/** ringbuf.js, one element per push/pop: it has no blocking call, so both sides poll and back off
 *  (the worker in a 50 µs Atomics.wait, the main thread in a 50 µs Atomics.waitAsync). */
const ringbuf = {
  name: "ringbuf", label: "ringbuf.js SPSC ring (polling), one element per push/pop",
  setup({ RingBuffer }) {
    const sab = RingBuffer.getStorageForCapacity(CAP, Int32Array);
    const rb = new RingBuffer(sab, Int32Array);
    const nap = new Int32Array(new SharedArrayBuffer(4));
    return {
      data: sab, transfer: [],
      async consume(n, t) {
        const one = new Int32Array(1);
        for (let i = 0; i < n; i++) {
          for (let spins = 0; rb.pop(one, 1) === 0; spins++) if (spins > 200) await Atomics.waitAsync(nap, 0, 0, 0.05).value;
          t.add(one[0]);
        }
      },
      left: () => rb.availableRead(),
      dispose() {},
    };
  },
  produce({ RingBuffer }, sab, n) {
    const rb = new RingBuffer(sab, Int32Array);
    const nap = new Int32Array(new SharedArrayBuffer(4));
    const one = new Int32Array(1);
    for (let v = 0; v < n; v++) {
      one[0] = v;
      for (let spins = 0; rb.push(one, 1) === 0; spins++) if (spins > 200) Atomics.wait(nap, 0, 0, 0.05);
    }
  },
};

export const transports = [
  postMessageTransport("postmessage", "postMessage per value (window 1024)", false),
  postMessageTransport("postmessage-batch", "postMessage of Int32Array(256), transferred", true),
  wasmTransport("wasm-async", "wasmchan sendSync → await ch.recv()", false),
  wasmTransport("wasm-batch", "wasmchan sendManySync(Int32Array(256)) → await ch.recvManyInto(Int32Array(256))", true),
  sabRing,
  ringbuf,
];

/** The preemption A/B (preemption.mjs): wasm-async and wasm-batch with the main thread's preemption off. */
export const withoutPreemption = {
  "wasm-async": wasmTransport("wasm-async-nopreempt", "wasm-async, preemption off on the main thread", false, false),
  "wasm-batch": wasmTransport("wasm-batch-nopreempt", "wasm-batch, preemption off on the main thread", true, false),
};

/** Checks what the main thread received: every value 0..n-1 once, in order. */
export class Tally {
  constructor() {
    this.count = 0;
    this.next = 0;
    this.ok = true;
  }
  add(v) {
    if (v !== this.next) this.ok = false;
    this.next = v + 1;
    this.count++;
  }
}
