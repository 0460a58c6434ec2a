// Memory integrity (issue 13): no input can make one channel write into another, lose a value it
// reported delivered, or read outside its own slot. One regression test per defect found, named after it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as wasm from "wasmchan";
import { cores, type Lib } from "./cores";
import { inWorker } from "./util";
// @ts-expect-error: an internal module of the build, no published types
import { C_BUF, HCHAN_SHARED_SIZE, RING_STAMP_PAD } from "../dist/abi/layout.js";
import { preemptTuning } from "../dist/api/preempt.js";

const { SharedHeap, attach, codecs, chan, select, send, recv } = wasm;
type Chan<T> = wasm.Chan<T>;

/** A row of channels with one value each, to check afterwards that nothing wrote into them. */
function row(make: (i: number) => Chan<number>, n = 8): () => void {
  const chans = Array.from({ length: n }, (_, i) => make(i));
  chans.forEach((c, i) => expect(c.trySend(1000 + i)).toBe(true));
  return () => {
    chans.forEach((c, i) => {
      expect(c.len).toBe(1);
      expect(c.tryRecv()).toEqual({ value: 1000 + i, ok: true });
      expect(c.tryRecv()).toBeUndefined();
    });
  };
}

describe("defect 1: batches of variable-length codecs whose size is not a multiple of 4", () => {
  const kinds = [
    { codec: () => codecs.bytes(5), values: [1, 2, 3, 4, 5, 6, 7].map((n) => new Uint8Array(n % 6).fill(n)) },
    { codec: () => codecs.string(5), values: ["hello", "h", "", "héllo".slice(0, 4), "abcde", "x", "yz"] },
    { codec: () => codecs.json(7), values: [1, "abc", [1, 2], null, { a: 1 }, true, 12345] },
  ];
  for (const { codec, values } of kinds) {
    for (const core of cores) {
      it(`${core.name} core, local: sendMany/recvMany of ${codec().name} keep every value intact`, async () => {
        const ch = core.lib.chan<unknown>(16, { codec: codec() as never });
        await ch.sendMany(values);
        expect(await ch.recvMany(100)).toEqual(values);
        const p = ch.recvMany(100); // parked first, then a batch hands off
        await ch.sendMany(values);
        const got = await p;
        while (got.length < values.length) got.push(...(await ch.recvMany(100)));
        expect(got).toEqual(values);
      });
    }
    it(`shared, across threads: sendManySync → recvMany of ${codec().name}`, async () => {
      const heap = await SharedHeap.create({ maxBytes: 4 << 20 });
      const ch = heap.chan(3, codec() as wasm.Codec<unknown>);
      const done = inWorker(`const ch = await lib.attach(workerData.desc);
        for (let i = 0; i < 20; i++) ch.sendManySync(workerData.values);
        ch.close();`, { desc: ch.share(), values });
      const got: unknown[] = [];
      for (let r = await ch.recvMany(5); r.length > 0; r = await ch.recvMany(5)) got.push(...r);
      await done;
      expect(got).toEqual(Array.from({ length: 20 }, () => values).flat());
    });
  }

  it("a slot whose length word is corrupt is read clamped to the codec's maximum, never beyond the slot", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const ch = heap.chan(2, codecs.bytes(4));
    const desc = ch.share();
    ch.trySend(new Uint8Array([1, 2, 3, 4]));
    const u32 = new Uint32Array(desc.memory.buffer);
    const value = u32[(desc.c + C_BUF) >>> 2] + RING_STAMP_PAD; // slot 0's value, after its stamp
    u32[value >>> 2] = 0x10000; // a length word no writer could have left
    const r = ch.tryRecv()!;
    expect(r.value.length).toBe(4);
    expect([...r.value]).toEqual([1, 2, 3, 4]);
    (await attach(desc)).dispose();
  });
});

describe("defect 2: capacities the core cannot address", () => {
  for (const core of cores) {
    it(`${core.name} core: chan(n) for n >= 2**32 (and any ring over 2 GiB) is a RangeError; other channels intact`, () => {
      const check = row(() => core.lib.chan<number>(1, { codec: core.lib.codecs.i32 }));
      for (const n of [2 ** 32, 2 ** 32 + 1, 2 ** 40, 2 ** 53 - 1]) {
        expect(() => core.lib.chan(n)).toThrow(RangeError);
        expect(() => core.lib.chan(n, { codec: core.lib.codecs.i32 })).toThrow(RangeError);
      }
      expect(() => core.lib.chan(2 ** 28, { codec: core.lib.codecs.f64 })).toThrow(/at most/);
      expect(() => core.lib.chan(2 ** 26, { codec: core.lib.codecs.bytes(60) })).toThrow(RangeError);
      check();
    });
  }
  it("SharedHeap: a capacity beyond the heap's maxBytes is a RangeError naming both sizes", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    expect(() => heap.chan(2 ** 32, codecs.i32)).toThrow(RangeError);
    // A shared ring's slot is the value and its stamp: 8 bytes for an i32.
    expect(() => heap.chan(1 << 20, codecs.i32)).toThrow(`with 8-byte slots needs ${8 * 2 ** 20 + HCHAN_SHARED_SIZE} bytes, more than its heap can ever hold (1048576 bytes)`);
    expect(() => heap.chan(2 ** 28, codecs.i32)).toThrow(/a shared channel of capacity 268435456 with 4-byte values needs 2147483648 bytes \(8 per slot, its stamp included\)/);
    const ch = heap.chan(4, codecs.i32);
    expect(ch.cap).toBe(4);
  });
});

describe("defect 3: allocator arithmetic near 4 GiB", () => {
  it("two ~2 GiB channels cannot both fit a 4 GiB heap, and no address is handed out twice", async () => {
    const heap = await SharedHeap.create({ maxBytes: 4 * 2 ** 30 - 65536 });
    const big = heap.chan(0x7ffe0000 / 16 - 16, codecs.f64); // reserves ~2 GiB of address space (16-byte slots)
    expect(() => heap.chan(0x7ffe0000 / 16 - 16, codecs.f64)).toThrow(/out of channel memory/);
    const small = heap.chan(4, codecs.i32);
    expect(small.share().c).not.toBe(big.share().c);
    expect(heap.stats().bytesInUse).toBeGreaterThan(2 ** 31);
    expect(heap.stats().bytesInUse).toBeLessThan(2 ** 32);
    small.trySend(7);
    big.trySend(1.5);
    expect(small.tryRecv()).toEqual({ value: 7, ok: true });
    expect(big.tryRecv()).toEqual({ value: 1.5, ok: true });
  });
});

// Hostile values, options and case arrays run on every core and memory: the pure core, the Wasm core
// with local channels, and the Wasm core with SharedHeap channels (tests that need untyped channels,
// which are local by definition, run on the first two). Expected everywhere: a clear TypeError,
// RangeError or ChannelError at the boundary, or the value handled once; nothing corrupted; and the
// channels around untouched, which `bystanders` checks by reading back what they held and then moving
// fresh values through each of them, buffered and by hand-off.
interface Target {
  name: string;
  lib: Lib;
  shared: boolean;
  /** Every operation's Promise settles through preemption's deferred form (as once a slice is over
   *  budget): a hostile value must meet it there too. */
  preempted?: boolean;
  /** A channel of this target; `codec` is required on a shared target. */
  make<T>(cap: number, codec?: wasm.Codec<T>): Chan<T>;
  stats(): { parkedSenders: number; parkedReceivers: number };
}

const hostileHeap = await SharedHeap.create({ maxBytes: 16 << 20 });
const pureLib = cores.find((c) => c.name === "pure")!.lib;
const targets: Target[] = [
  { name: "pure core, local", lib: pureLib, shared: false, stats: () => pureLib.stats(),
    make: (cap, codec) => pureLib.chan(cap, codec === undefined ? undefined : { codec }) },
  { name: "wasm core, local", lib: wasm, shared: false, stats: () => wasm.stats(),
    make: (cap, codec) => wasm.chan(cap, codec === undefined ? undefined : { codec }) },
  { name: "wasm core, shared", lib: wasm, shared: true, stats: () => hostileHeap.stats(),
    make: (cap, codec) => {
      if (codec === undefined) throw new Error("test bug: a shared channel needs a codec");
      return hostileHeap.chan(cap, codec);
    } },
];
for (const t of [...targets]) targets.push({ ...t, name: `${t.name}, preempted`, preempted: true });

/** Channels of several codecs holding a value each; the returned check reads them back, moves fresh
 *  values through each (buffered, and handed to a parked receiver) and checks nothing stays parked. */
function bystanders(t: Target): () => Promise<void> {
  const { codecs } = t.lib;
  const row: { ch: Chan<unknown>; v: (j: number) => unknown }[] = [];
  for (let i = 0; i < 2; i++) {
    row.push({ ch: t.make(2, codecs.i32) as Chan<unknown>, v: (j) => 1000 + 10 * i + j });
    row.push({ ch: t.make(2, codecs.bytes(5)) as Chan<unknown>, v: (j) => Uint8Array.of(i, j, 0xee) });
    row.push({ ch: t.make(2, codecs.json(16)) as Chan<unknown>, v: (j) => ({ i, j }) });
    row.push({ ch: t.make(2, codecs.string(3)) as Chan<unknown>, v: (j) => `é${j}` });
  }
  row.forEach(({ ch, v }) => expect(ch.trySend(v(0))).toBe(true));
  const before = t.stats();
  return async () => {
    for (const { ch, v } of row) {
      expect(ch.len).toBe(1);
      expect(ch.tryRecv()).toEqual({ value: v(0), ok: true });
      expect(ch.tryRecv()).toBeUndefined();
      await ch.send(v(1));
      expect(await ch.recv()).toEqual(v(1));
      const parked = ch.recv();
      expect(ch.trySend(v(2))).toBe(true);
      expect(await parked).toEqual(v(2));
      ch.dispose();
    }
    expect(t.stats().parkedSenders).toBe(before.parkedSenders);
    expect(t.stats().parkedReceivers).toBe(before.parkedReceivers);
  };
}

describe.each(targets)("defect 4: hostile values, options and case arrays — $name", (t) => {
  const { codecs, select, send, recv } = t.lib;
  beforeAll(() => {
    preemptTuning.always = t.preempted === true;
  });
  afterAll(() => {
    preemptTuning.always = false;
  });

  it("a Uint8Array whose length lies is measured by its real length: RangeError, nothing written", async () => {
    const check = bystanders(t);
    const ch = t.make(4, codecs.bytes(4));
    const liar = new Uint8Array(4096).fill(0xee);
    Object.defineProperty(liar, "length", { value: 2 });
    const getterLiar = new Uint8Array(4096).fill(1);
    Object.defineProperty(getterLiar, "length", { get: () => 1 });
    for (const v of [liar, getterLiar]) {
      expect(() => ch.trySend(v)).toThrow(RangeError);
      expect(() => ch.send(v)).toThrow(RangeError);
      expect(() => ch.sendMany([v])).toThrow(RangeError);
      expect(() => ch.sendMany([Uint8Array.of(1), v])).toThrow(RangeError); // the good one is not sent either
      expect(() => send(ch, v)).toThrow(RangeError);
      if (t.shared) {
        expect(() => ch.sendSync(v)).toThrow(RangeError);
        expect(() => ch.sendManySync([v])).toThrow(RangeError);
      }
    }
    expect(ch.len).toBe(0);
    // The opposite lie: a short array claiming to be long goes through with its real bytes.
    const short = Uint8Array.of(7, 8);
    Object.defineProperty(short, "length", { value: 4096 });
    expect(ch.trySend(short)).toBe(true);
    expect(ch.tryRecv()).toEqual({ value: Uint8Array.of(7, 8), ok: true });
    const fake = Object.create(Uint8Array.prototype, { length: { value: 2 } });
    expect(() => ch.trySend(fake)).toThrow(TypeError);
    expect(() => ch.trySend(new Uint8ClampedArray(2) as never)).toThrow(TypeError);
    expect(ch.len).toBe(0);
    await check();
  });

  it("a toJSON that runs channel operations while a select is built cannot redirect it or write over a new channel", async () => {
    const check = bystanders(t);
    const a = t.make<unknown>(2, codecs.json(64));
    const other = t.make<number>(1, codecs.i32);
    let made: Chan<number> | undefined;
    const hostile = {
      toJSON() {
        a.trySend("inner"); // the same channel: goes first, the select's value after it
        other.trySend(1);
        made = t.make<number>(2, codecs.i32);
        made.trySend(42);
        t.make<string>(1, codecs.string(2000)).trySend("x".repeat(2000)); // grows scratch
        return { ok: "yes" };
      },
    };
    const r = await select([send(a, hostile), recv(t.make(0, codecs.i32))]);
    expect(r.index).toBe(0);
    expect(a.len).toBe(2);
    expect(await a.recv()).toBe("inner");
    expect(await a.recv()).toEqual({ ok: "yes" });
    expect(made!.len).toBe(1);
    expect(made!.tryRecv()).toEqual({ value: 42, ok: true });
    expect(other.tryRecv()).toEqual({ value: 1, ok: true });
    await check();
  });

  it("a toJSON that throws or gives too much JSON: TypeError/RangeError at once, nothing of the call sent", async () => {
    const check = bystanders(t);
    const ch = t.make<unknown>(4, codecs.json(8));
    const throws = { toJSON() { throw new Error("boom"); } };
    const long = { toJSON: () => "x".repeat(100) };
    for (const [v, E] of [[throws, TypeError], [long, RangeError]] as const) {
      expect(() => ch.trySend(v)).toThrow(E);
      expect(() => ch.send(v)).toThrow(E);
      expect(() => ch.sendMany([1, v, 2])).toThrow(E);
      expect(() => send(ch, v)).toThrow(E);
      if (t.shared) expect(() => ch.sendManySync([1, v])).toThrow(E);
    }
    expect(ch.len).toBe(0);
    await ch.sendMany([1, 2]);
    expect(await ch.recvMany(4)).toEqual([1, 2]);
    await check();
  });

  it("a toJSON runs once per value, and one that disposes the channel gets 'use of disposed channel'", async () => {
    const check = bystanders(t);
    let calls = 0;
    const counted = { toJSON() { calls++; return 1; } };
    const ch = t.make<unknown>(4, codecs.json(64));
    await ch.send(counted);
    ch.trySend(counted);
    await ch.sendMany([counted]);
    await select([send(ch, counted), recv(null)]);
    expect(calls).toBe(4);
    expect(await ch.recvMany(8)).toEqual([1, 1, 1, 1]);
    for (const op of ["send", "trySend", "sendMany"] as const) {
      const ch = t.make<unknown>(4, codecs.json(64));
      const v = { toJSON() { ch.dispose(); return 1; } };
      const attempt = () => (op === "send" ? ch.send(v) : op === "trySend" ? ch.trySend(v) : ch.sendMany([v]));
      expect(attempt).toThrow("use of disposed channel");
    }
    await check();
  });

  it("a toJSON that disposes the channel it is sent on leaves the memory that channel had clean", async () => {
    const check = bystanders(t);
    for (const op of ["send", "trySend", "sendMany", "select"] as const) {
      const ch = t.make<unknown>(4, codecs.json(64));
      const v = { toJSON() { ch.dispose(); return 1; } };
      const attempt = () => (op === "send" ? ch.send(v) : op === "trySend" ? ch.trySend(v) : op === "sendMany" ? ch.sendMany([v])
        : select([send(ch, v)]));
      expect(attempt).toThrow("use of disposed channel");
      const n = t.make<unknown>(4, codecs.json(64)); // on the Wasm core it may reuse the disposed channel's memory
      expect(n.len).toBe(0);
      expect(n.tryRecv()).toBeUndefined();
      n.dispose();
    }
    await check();
  });

  it("an options.signal getter that disposes the channel: the op fails and parks nowhere", async () => {
    const check = bystanders(t);
    for (const op of ["send", "recv", "recvOk", "recvMany", "sendMany", "select"] as const) {
      const ch = t.make<number>(0, codecs.i32);
      const opts = { get signal() { ch.dispose(); return undefined; } };
      const before = t.stats();
      const run = () => (op === "send" ? ch.send(1, opts) : op === "recv" ? ch.recv(opts) : op === "recvOk" ? ch.recvOk(opts)
        : op === "recvMany" ? ch.recvMany(2, opts) : op === "sendMany" ? ch.sendMany([1], opts) : select([recv(ch)], opts));
      expect(run).toThrow("use of disposed channel");
      const fresh = t.make<number>(0, codecs.i32); // on the Wasm core it may sit where the disposed one was
      expect(fresh.trySend(1)).toBe(false); // no receiver parked on it
      expect(fresh.tryRecv()).toBeUndefined();
      expect(t.stats().parkedReceivers).toBe(before.parkedReceivers);
      expect(t.stats().parkedSenders).toBe(before.parkedSenders);
      fresh.dispose();
    }
    await check();
  });

  it("a signal whose own properties lie is still read through AbortSignal's own accessors", async () => {
    const check = bystanders(t);
    const ch = t.make<number>(0, codecs.i32);
    const c = new AbortController();
    Object.defineProperty(c.signal, "aborted", { get: () => { ch.dispose(); return false; } });
    const p = ch.recv({ signal: c.signal });
    expect(ch.trySend(3)).toBe(true);
    expect(await p).toBe(3);
    expect(() => ch.recv({ signal: { aborted: false, addEventListener() {} } as unknown as AbortSignal })).toThrow(TypeError);
    // A lying `reason`: the op rejects with the real one, and the channel is not touched by the getter.
    const c2 = new AbortController();
    Object.defineProperty(c2.signal, "reason", { get: () => { ch.dispose(); return "lie"; } });
    const parked = ch.recvOk({ signal: c2.signal });
    c2.abort("real");
    await expect(parked).rejects.toBe("real");
    expect(ch.trySend(4)).toBe(false); // still open, and nobody parked
    await check();
  });

  it("a select array whose element getters change from read to read is read once", async () => {
    const check = bystanders(t);
    const a = t.make<number>(1, codecs.i32);
    const b = t.make<number>(1, codecs.i32);
    const big = Array.from({ length: 2000 }, () => recv(t.make<number>(0, codecs.i32)));
    let lengthReads = 0;
    let elementReads = 0;
    const cases: unknown[] = [recv(a)];
    Object.defineProperty(cases, 0, { get: () => (elementReads++ === 0 ? recv(a) : recv(b)), enumerable: true });
    const longer = new Proxy(cases, {
      get: (tg, k) => (k === "length" ? (lengthReads++ === 0 ? 1 : big.length) : k === "1" ? big[0] : Reflect.get(tg, k)),
    });
    a.trySend(1);
    const r = await select(longer as never);
    expect(r).toEqual({ index: 0, value: 1, ok: true });
    expect([lengthReads, elementReads]).toEqual([1, 1]);
    b.trySend(2);
    expect(b.tryRecv()).toEqual({ value: 2, ok: true });
    await check();
  });

  it("sendMany reads its array once: a Proxy whose length and elements change from read to read", async () => {
    const check = bystanders(t);
    const ch = t.make<number>(8, codecs.i32);
    let lengthReads = 0;
    let elementReads = 0;
    const values = new Proxy([1, 2], {
      get: (tg, k) => (k === "length" ? (lengthReads++ === 0 ? 2 : 1000)
        : typeof k === "string" && /^\d+$/.test(k) ? ++elementReads * 100 + Number(k) : Reflect.get(tg, k)),
    });
    await ch.sendMany(values as never);
    expect([lengthReads, elementReads]).toEqual([1, 2]);
    expect(await ch.recvMany(8)).toEqual([100, 201]);
    await check();
  });

  it("numbers that are objects (a valueOf that disposes) are refused without being called", async () => {
    const check = bystanders(t);
    const ch = t.make<number>(1, codecs.i32);
    let calls = 0;
    const hostile = { valueOf() { calls++; ch.dispose(); return 2; } };
    expect(() => ch.recvMany(hostile as never)).toThrow(RangeError);
    expect(() => t.make(hostile as never, codecs.i32)).toThrow(RangeError);
    expect(() => ch.trySend(hostile as never)).toThrow(TypeError); // an i32 slot takes numbers only
    if (t.shared) expect(() => ch.recvManySync(hostile as never)).toThrow(RangeError);
    expect(calls).toBe(0);
    expect(ch.trySend(1)).toBe(true);
    await check();
  });

  it("a resizable buffer grown by another case's toJSON between send() and select(): never more than the slot", async () => {
    const check = bystanders(t);
    const b = t.make<Uint8Array>(2, codecs.bytes(4));
    const j = t.make<unknown>(0, codecs.json(64)); // never ready: case B is the one that runs
    const rab = new (ArrayBuffer as any)(4, { maxByteLength: 64 });
    const bytes = new Uint8Array(rab); // length-tracking: grows with the buffer
    bytes.set([1, 2, 3, 4]);
    const caseB = send(b, bytes);
    const caseJ = send(j, { toJSON() { rab.resize(32); return 1; } });
    // The pure core keeps the 4 bytes it checked when the case was built; the Wasm core measures the
    // value again when it writes it, and refuses it there. Either way nothing is half-sent.
    let r: unknown;
    try {
      r = await select([caseB, caseJ]);
    } catch (e) {
      r = e;
    }
    if (r instanceof Error) {
      expect(r).toBeInstanceOf(RangeError);
      expect([b.len, j.len]).toEqual([0, 0]);
    } else {
      expect(r).toEqual({ index: 0, value: undefined, ok: true });
      expect([b.len, j.len]).toEqual([1, 0]);
      expect(b.tryRecv()).toEqual({ value: Uint8Array.of(1, 2, 3, 4), ok: true });
    }
    await check();
  });

  it("a case cannot be changed or impersonated after recv()/send() built it: select only ever uses channels it checked", async () => {
    const check = bystanders(t);
    const a = t.make<number>(1, t.shared ? codecs.i32 : undefined);
    const other = t.make<number>(1, t.shared ? codecs.i32 : undefined);
    expect(other.trySend(5)).toBe(true);
    const k = recv(a);
    expect(() => { (k as { ch: unknown }).ch = other; }).toThrow(TypeError);
    // A property defined over the case's own says nothing to select: it reads the case as built.
    Object.defineProperty(k, "ch", { get: () => other });
    expect(k.ch).toBe(other);
    // A Proxy of a real case, or an object that inherits from one, is not a case.
    let reads = 0;
    const px = new Proxy(k, { get: (target, prop) => (prop === "ch" ? (reads++ === 0 ? a : other) : Reflect.get(target, prop)) });
    expect(() => select([px])).toThrow(/is not a case/);
    expect(() => select([Object.create(k)])).toThrow(/is not a case/);
    expect(other.len).toBe(1); // nothing took its value
    expect(a.trySend(1)).toBe(true);
    expect(await select([k])).toEqual({ index: 0, value: 1, ok: true });
    expect(other.tryRecv()).toEqual({ value: 5, ok: true });
    await check();
  });

  it("a send case refused when select stores it (its buffer grew): no other case's value is held or sent", async () => {
    const check = bystanders(t);
    const u = t.make<unknown>(1, t.shared ? codecs.json(64) : undefined); // local: untyped, by handle
    expect(u.trySend(0)).toBe(true); // full: its case cannot go
    const b = t.make<Uint8Array>(0, codecs.bytes(8)); // nobody receives: the bytes case cannot go
    const rab = new (ArrayBuffer as any)(4, { maxByteLength: 64 });
    const caseB = send(b, new Uint8Array(rab));
    rab.resize(32);
    const obj = { mine: true };
    // Neither case can go, so the select must park: the Wasm core lays both values out for its core
    // call and refuses the grown one there; the pure core kept the 4 bytes it checked, and parks.
    const ac = new AbortController();
    let r: unknown;
    try {
      const p = select([send(u, obj), caseB], { signal: ac.signal });
      ac.abort(new Error("done"));
      r = await p;
    } catch (e) {
      r = e;
    }
    expect(r instanceof RangeError || (r instanceof Error && r.message === "done")).toBe(true);
    const held = (u as unknown as { vals?: unknown[] | null }).vals;
    expect(held == null || !held.includes(obj)).toBe(true);
    expect(u.tryRecv()).toEqual({ value: 0, ok: true });
    expect(u.tryRecv()).toBeUndefined();
    await check();
  });

  it("the caller may reuse its Uint8Arrays once send/trySend/select return: the channel took a copy", async () => {
    const check = bystanders(t);
    const ch = t.make<Uint8Array>(1, codecs.bytes(4));
    const a = Uint8Array.of(1, 1);
    const b = Uint8Array.of(2, 2);
    const c = Uint8Array.of(3, 3);
    expect(ch.trySend(a)).toBe(true); // buffered
    const parked = ch.send(b); // parked behind a full buffer
    const viaSelect = select([send(ch, c)]); // parked too
    for (const x of [a, b, c]) x.fill(0xee);
    expect(await ch.recvMany(1)).toEqual([Uint8Array.of(1, 1)]);
    expect(await ch.recv()).toEqual(Uint8Array.of(2, 2));
    expect(await ch.recv()).toEqual(Uint8Array.of(3, 3));
    await parked;
    await viaSelect;
    await check();
  });

  // Found by the model test: the Wasm core's sendMany read the values it could not send at once from
  // the caller's Uint8Arrays only when it sent them, so reusing them after the call changed what arrived.
  it("the caller may reuse its Uint8Arrays once sendMany returns, even while part of it is parked", async () => {
    const ch = t.make<Uint8Array>(0, codecs.bytes(4));
    const first = ch.recv();
    const vs = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
    const sent = ch.sendMany(vs); // the first value is handed off, the second parks, the third waits
    for (const v of vs) v.fill(0xee);
    expect(await first).toEqual(Uint8Array.of(1));
    expect([await ch.recv(), await ch.recv()]).toEqual([Uint8Array.of(2), Uint8Array.of(3)]);
    await sent;
  });

  if (t.shared) return; // values with getters and identity: untyped channels, which are local

  it("a thenable handed to a parked recv: its `then` getter runs once, and channel ops it makes (even a close) keep order", async () => {
    const check = bystanders(t);
    const ch = t.make<unknown>(0);
    const side = t.make<number>(8, codecs.i32);
    let reads = 0;
    let inner: boolean | undefined;
    const first = ch.recv();
    const second = ch.recv();
    const rest = [0, 1, 2, 3].map(() => ch.recvOk());
    const thenable = {
      get then() {
        reads++;
        side.trySend(9);
        inner = ch.trySend(7); // re-enters the channel: to the next parked receiver
        ch.close(); // wakes the rest
        return undefined;
      },
    };
    expect(ch.trySend(thenable)).toBe(true);
    expect(await first).toBe(thenable);
    expect(reads).toBe(1);
    expect(inner).toBe(true);
    expect(await second).toBe(7);
    for (const r of await Promise.all(rest)) expect(r).toEqual({ value: undefined, ok: false });
    expect(side.tryRecv()).toEqual({ value: 9, ok: true });
    expect(() => ch.trySend(1)).toThrow("send on closed channel");
    await check();
  });

  it("a `then` getter that throws rejects that receiver only; the value counts as delivered", async () => {
    const check = bystanders(t);
    const ch = t.make<unknown>(0);
    const first = ch.recv();
    const second = ch.recv();
    const boom = { get then() { throw new Error("boom"); } };
    expect(ch.trySend(boom)).toBe(true);
    await expect(first).rejects.toThrow("boom");
    expect(ch.trySend(2)).toBe(true);
    expect(await second).toBe(2);
    // Through recvOk, tryRecv, select and recvMany the value is wrapped: `then` is never read.
    const viaOk = ch.recvOk();
    ch.trySend(boom);
    expect((await viaOk).value).toBe(boom);
    const viaSelect = select([recv(ch)]);
    ch.trySend(boom);
    expect((await viaSelect).value).toBe(boom);
    const viaMany = ch.recvMany(3);
    ch.trySend(boom);
    expect(await viaMany).toEqual([boom]);
    await check();
  });

  it("a batch to parked receivers whose first value's `then` getter disposes the channel: each value once, or not at all", async () => {
    const check = bystanders(t);
    const ch = t.make<unknown>(0);
    let reads = 0;
    const thenable = { get then() { reads++; ch.dispose(); return undefined; } };
    const first = ch.recv(); // gets the thenable: resolving it reads `then`
    const rs = [0, 1, 2].map(() => ch.recvOk());
    const outcome = await ch.sendMany([thenable, 1, 2, 3]).then(() => "ok", (e) => (e as Error).message);
    expect(await first).toBe(thenable);
    expect(reads).toBe(1);
    const got = (await Promise.all(rs)).map((r) => (r.ok ? r.value : "zero"));
    // The pure core settles each receiver as it hands it its value, so the getter disposes the channel
    // before the second value and sendMany rejects; the Wasm core settles a batch once it has handed
    // all of it out, so every value has arrived when the getter runs and sendMany resolves. Either
    // way each value arrives once or not at all, in order, and sendMany resolves only if all arrived.
    if (outcome === "ok") {
      expect(got).toEqual([1, 2, 3]);
    } else {
      expect(outcome).toBe("use of disposed channel");
      const n = got.indexOf("zero");
      expect(n).toBeGreaterThanOrEqual(0);
      expect(got).toEqual([...[1, 2, 3].slice(0, n), ...got.slice(n).map(() => "zero")]);
    }
    expect(() => ch.trySend(1)).toThrow("use of disposed channel");
    await check();
  });

  it("a revoked Proxy goes through an untyped channel untouched", async () => {
    const check = bystanders(t);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke(); // any operation on it throws now
    const ch = t.make<unknown>(2);
    expect(ch.trySend(proxy)).toBe(true);
    expect(ch.tryRecv()!.value).toBe(proxy);
    await ch.sendMany([proxy, proxy]);
    const two = await ch.recvMany(2);
    expect(two.length === 2 && two[0] === proxy && two[1] === proxy).toBe(true); // (toEqual would touch it)
    const viaOk = ch.recvOk();
    await ch.send(proxy);
    expect((await viaOk).value).toBe(proxy);
    const s = select([send(ch, proxy)]);
    expect((await select([recv(ch)])).value).toBe(proxy);
    await s;
    await check();
  });
});

describe("defect 4: one select never mixes cores (one API layer over both)", () => {
  const p = pureLib.chan<number>(1, { codec: pureLib.codecs.i32 });
  const w = wasm.chan<number>(1, { codec: wasm.codecs.i32 });
  it("both entry points publish the same Chan, select, recv, send and codecs; a select over both cores is a TypeError", async () => {
    expect([wasm.Chan, wasm.select, wasm.recv, wasm.send, wasm.codecs]).toEqual([pureLib.Chan, pureLib.select, pureLib.recv, pureLib.send, pureLib.codecs]);
    expect(p instanceof wasm.Chan && w instanceof pureLib.Chan).toBe(true);
    expect(() => wasm.select([wasm.recv(p), wasm.recv(w)])).toThrow(/same heap/);
    expect(() => pureLib.select([pureLib.send(w, 1), pureLib.send(p, 1)])).toThrow(/same heap/);
    expect(p.trySend(1) && w.trySend(2)).toBe(true);
    // A select over one core's channels runs on that core, whichever entry point it came from.
    expect(await wasm.select([wasm.recv(p)])).toEqual({ index: 0, value: 1, ok: true });
    expect(await pureLib.select([pureLib.recv(w)])).toEqual({ index: 0, value: 2, ok: true });
    expect([p.len, w.len]).toEqual([0, 0]);
  });
});

describe("defect 5: attach checks the channel's codec and that it is a live channel of the heap", () => {
  it("a descriptor naming another codec of the same slot size is refused", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const f = heap.chan(4, codecs.f64);
    expect(codecs.bytes(4).size).toBe(codecs.f64.size);
    await expect(attach({ ...f.share(), codec: "bytes(4)" })).rejects.toThrow(/does not carry bytes\(4\)/);
    await expect(attach({ ...f.share(), codec: "i64" })).rejects.toThrow(TypeError);
    const ok = await attach<number>(f.share());
    expect(ok).toBe(f);
  });

  it("a channel header forged inside another channel's ring does not attach", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const victim = heap.chan(4, codecs.i32);
    const carrier = heap.chan(2, codecs.bytes(200));
    const real = victim.share();
    const u8 = new Uint8Array(real.memory.buffer);
    // Copy the victim's header into a value and send it: it now lies in the carrier's ring.
    const header = u8.slice(real.c, real.c + HCHAN_SHARED_SIZE);
    const value = new Uint8Array(HCHAN_SHARED_SIZE + 4);
    value.set(header, 4); // after the value's 4-byte length word and 4 bytes of padding: 8-aligned
    carrier.trySend(value);
    const slot = new Uint32Array(real.memory.buffer)[(carrier.share().c + C_BUF) >>> 2];
    const forged = slot + RING_STAMP_PAD + 8; // after the slot's stamp, then the length word and padding
    expect([...u8.slice(forged, forged + HCHAN_SHARED_SIZE)]).toEqual([...header]);
    await expect(attach({ ...real, c: forged })).rejects.toThrow(/no such channel/);
    victim.trySend(1);
    expect(victim.len).toBe(1);
  });

  it("a disposed channel's descriptor is refused, and gives back the reference it held", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const ch = heap.chan(4, codecs.i32);
    const desc = ch.share();
    ch.dispose();
    expect(heap.stats().channels).toBe(1); // the descriptor holds it
    await expect(attach(desc)).rejects.toThrow(/disposed/);
    expect(heap.stats().channels).toBe(0);
  });
});

describe("defect 6: batch receives keep what they took", () => {
  it("recvMany whose first value arrives as another thread disposes the channel returns that value", async () => {
    for (let i = 0; i < 10; i++) {
      const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
      const ch = heap.chan(0, codecs.i32);
      const p = ch.recvMany(10);
      await inWorker(`const ch = await lib.attach(workerData.desc); ch.sendSync(7); ch.dispose();`, { desc: ch.share() });
      expect(await p).toEqual([7]);
    }
  });

  it("recvManySync in a worker keeps the value that arrived before this thread disposed the channel", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const ch = heap.chan(0, codecs.i32);
    const got = inWorker(`const ch = await lib.attach(workerData.desc); return ch.recvManySync(10);`, { desc: ch.share() });
    while (heap.stats().parkedReceivers === 0) await new Promise((r) => setTimeout(r, 1));
    await ch.send(7);
    ch.dispose();
    expect(await got).toEqual([7]);
  });

  for (const core of cores) {
    it(`${core.name} core: recvMany whose values arrive as the channel is disposed locally returns them`, async () => {
      const ch = core.lib.chan<number>(0);
      const p = ch.recvMany(10);
      await ch.send(1);
      ch.dispose();
      expect(await p).toEqual([1]);
    });
  }
});
