// What a user meets before the semantics: how a channel prints, what an error says, how the second
// argument of chan() is read, and what many ops parked on one AbortSignal cost — on both cores.
import { getEventListeners } from "node:events";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { SharedHeap, codecs as wasmCodecs } from "wasmchan";
import { cores } from "./cores.js";

describe.each(cores)("$name core", ({ lib }) => {
  const { chan, codecs, select, recv } = lib;

  it("chan(n, codec) makes a typed channel, as chan(n, { codec }) does; anything else as options is a TypeError", async () => {
    for (const c of [chan(2, codecs.i32), chan(2, { codec: codecs.i32 })]) {
      expect(() => c.trySend("x" as never)).toThrow(TypeError);
      expect(c.trySend(7)).toBe(true);
      expect(await c.recv()).toBe(7);
    }
    const s = chan(1, codecs.string(8));
    expect(() => s.trySend("far too long a string")).toThrow(/a string of 21 bytes does not fit a string\(8\) channel \(at most 8 bytes\)/);
    for (const bad of [3, "i32", true]) expect(() => chan(1, bad as never)).toThrow(/second argument must be a codec/);
    // Look-alikes of a codec are refused, not taken for options (an untyped channel named "i32").
    for (const fake of [{ ...codecs.i32 }, new Proxy(codecs.i32, {}), { codec: codecs.i32, size: 4 }]) {
      expect(() => chan(1, fake as never)).toThrow(/unknown option "(name|size|align|zero|check)"|unknown option/);
    }
    expect(Object.isFrozen(codecs.i32)).toBe(true);
    expect(() => { (codecs.f64 as { size: number }).size = 1; }).toThrow(TypeError);
  });

  it("a channel prints as one line of what a user can ask of it (codec, cap, len, name, disposed)", () => {
    const c = chan(4, { codec: codecs.i32, name: "jobs" });
    c.trySend(1);
    expect(inspect(c)).toBe("Chan<i32> { cap: 4, len: 1, name: 'jobs' }");
    expect(inspect([chan(0)])).toBe("[ Chan<any> { cap: 0, len: 0 } ]");
    c.dispose();
    expect(inspect(c)).toBe("Chan<i32> { cap: 4, disposed: true, name: 'jobs' }");
  });

  it("a value that does not fit says what it was and how big, without running its own toString", () => {
    const o = { a: 123456, toString: () => { throw new Error("user code ran"); } };
    expect(() => chan(1, codecs.json(8)).trySend(o)).toThrow("wasmchan: an object as JSON of 12 bytes does not fit a json(8) channel (at most 8 bytes)");
    expect(() => chan(1, codecs.i32).trySend([1, 2] as never)).toThrow("wasmchan: i32 channel cannot carry an array of 2");
    expect(() => chan(1, codecs.i32).trySend(new Map() as never)).toThrow("wasmchan: i32 channel cannot carry a Map");
  });

  it("a thousand ops parked on one AbortSignal add one listener to it, no MaxListenersExceededWarning; abort rejects every one still parked", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const ac = new AbortController();
      const c = chan<number>(0);
      const order: number[] = [];
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 1000; i++) {
        const op = i % 3 === 0 ? c.recv({ signal: ac.signal }) : i % 3 === 1 ? c.send(i, { signal: ac.signal }) : select([recv(c)], { signal: ac.signal });
        ops.push(op.then(() => order.push(-i), (e) => { expect(e.name).toBe("AbortError"); order.push(i); }));
      }
      expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
      // Ops that complete take themselves off: the receives at 0, 3, ... meet the sends at 1, 4, ...
      await c.send(-1, { signal: ac.signal }).catch(() => {});
      ac.abort();
      await Promise.all(ops);
      expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
      expect(order).toHaveLength(1000);
      expect(order.filter((i) => i > 0).length).toBeGreaterThan(300); // the selects and the receives no send met
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("ops that complete before the abort leave the signal with no listener", async () => {
    const ac = new AbortController();
    const c = chan<number>(0);
    const got = Promise.all([c.recv({ signal: ac.signal }), c.recv({ signal: ac.signal })]);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
    await c.send(1);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
    await c.send(2);
    expect(await got).toEqual([1, 2]);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
  });
});

describe("errors that guide", () => {
  it("out of channel memory names the SharedHeap's maxBytes and what to do", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 17 });
    const keep = [];
    let err: unknown;
    try {
      for (let i = 0; i < 1000; i++) keep.push(heap.chan(1024, wasmCodecs.i32));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(/^wasmchan: out of channel memory: this SharedHeap's maxBytes \(131072 bytes\) is used up \(\d+ in use\): make it with a larger SharedHeap.create\(\{ maxBytes \}\)/);
    for (const c of keep) c.dispose();
  });

  it("a SharedHeap prints its size and use", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    heap.chan(1, wasmCodecs.i32);
    expect(inspect(heap)).toMatch(/^SharedHeap \{ maxBytes: 1048576, bytesInUse: \d+, channels: 1 \}$/);
  });

  it("an engine without Atomics.waitAsync: SharedHeap.create rejects and says why; local channels work", async () => {
    const waitAsync = Atomics.waitAsync;
    try {
      (Atomics as { waitAsync?: unknown }).waitAsync = undefined;
      await expect(SharedHeap.create()).rejects.toThrow(/no Atomics.waitAsync.*Local channels \(chan\(\)\) work without it/);
    } finally {
      Atomics.waitAsync = waitAsync;
    }
    expect((await SharedHeap.create({ maxBytes: 1 << 20 })).chan(1, wasmCodecs.i32).cap).toBe(1);
  });
});
