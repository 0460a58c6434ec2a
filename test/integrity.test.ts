// Memory integrity (issue 13): no input can make one channel write into another, lose a value it
// reported delivered, or read outside its own slot. One regression test per defect found, named after it.
import { describe, expect, it } from "vitest";
import * as wasm from "wasmchan";
import { cores } from "./cores";
import { inWorker } from "./util";
// @ts-expect-error: an internal module of the build, no published types
import { HCHAN_SIZE } from "../dist/layout.js";

const { SharedHeap, attach, codecs, chan, select, send, recv } = wasm;
type Chan<T> = wasm.Chan<T>;

/** A row of channels with one value each, to check afterwards that nothing wrote into them. */
function bystanders(make: (i: number) => Chan<number>, n = 8): () => void {
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
    const ring = desc.c + HCHAN_SIZE; // the ring follows the header
    u32[ring >>> 2] = 0x10000; // a length word no writer could have left
    const r = ch.tryRecv()!;
    expect(r.value.length).toBe(4);
    expect([...r.value]).toEqual([1, 2, 3, 4]);
    (await attach(desc)).dispose();
  });
});

describe("defect 2: capacities the core cannot address", () => {
  for (const core of cores) {
    it(`${core.name} core: chan(n) for n >= 2**32 (and any ring over 2 GiB) is a RangeError; other channels intact`, () => {
      const check = bystanders(() => core.lib.chan<number>(1, { codec: core.lib.codecs.i32 }));
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
    expect(() => heap.chan(1 << 20, codecs.i32)).toThrow(`needs ${4 * 2 ** 20 + HCHAN_SIZE} bytes, more than its heap can ever hold (1048576 bytes)`);
    const ch = heap.chan(4, codecs.i32);
    expect(ch.cap).toBe(4);
  });
});

describe("defect 3: allocator arithmetic near 4 GiB", () => {
  it("two ~2 GiB channels cannot both fit a 4 GiB heap, and no address is handed out twice", async () => {
    const heap = await SharedHeap.create({ maxBytes: 4 * 2 ** 30 - 65536 });
    const big = heap.chan(0x7ffe0000 / 8 - 16, codecs.f64); // reserves ~2 GiB of address space
    expect(() => heap.chan(0x7ffe0000 / 8 - 16, codecs.f64)).toThrow(/out of channel memory/);
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

describe("defect 4: hostile values, options and case arrays", () => {
  it("a Uint8Array whose length lies is measured by its real length: RangeError, nothing written", () => {
    const check = bystanders(() => chan<number>(1, { codec: codecs.i32 }));
    const ch = chan<Uint8Array>(4, { codec: codecs.bytes(4) });
    const liar = new Uint8Array(4096).fill(0xee);
    Object.defineProperty(liar, "length", { value: 2 });
    expect(() => ch.trySend(liar)).toThrow(RangeError);
    expect(() => ch.send(liar)).toThrow(RangeError);
    expect(() => ch.sendMany([liar])).toThrow(RangeError);
    expect(() => send(ch, liar)).toThrow(RangeError);
    const fake = Object.create(Uint8Array.prototype, { length: { value: 2 } });
    expect(() => ch.trySend(fake)).toThrow(TypeError);
    expect(ch.len).toBe(0);
    check();
  });

  it("shared: a lying length cannot overwrite lock words either", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const ch = heap.chan(2, codecs.bytes(4));
    const next = heap.chan(1, codecs.i32);
    const liar = new Uint8Array(4096).fill(1);
    Object.defineProperty(liar, "length", { get: () => 1 });
    expect(() => ch.trySend(liar)).toThrow(RangeError);
    expect(next.trySend(5)).toBe(true);
    expect(next.tryRecv()).toEqual({ value: 5, ok: true });
  });

  it("a toJSON that runs channel operations while a select is built cannot redirect it or write over a new channel", async () => {
    const a = chan<unknown>(1, { codec: codecs.json(64) });
    const other = chan<number>(1);
    let made: Chan<number> | undefined;
    const hostile = {
      toJSON() {
        other.trySend(1);
        made = chan<number>(2, { codec: codecs.i32 });
        made.trySend(42);
        chan<string>(1, { codec: codecs.string(2000) }).trySend("x".repeat(2000)); // grows scratch
        return { ok: "yes" };
      },
    };
    const r = await select([send(a, hostile), recv(chan())]);
    expect(r.index).toBe(0);
    expect(await a.recv()).toEqual({ ok: "yes" });
    expect(made!.len).toBe(1);
    expect(made!.tryRecv()).toEqual({ value: 42, ok: true });
    expect(other.tryRecv()).toEqual({ value: 1, ok: true });
  });

  for (const core of cores) {
    it(`${core.name} core: a toJSON runs once per value, and one that disposes the channel gets 'use of disposed channel'`, async () => {
      const { chan, codecs, select, send, recv } = core.lib;
      let calls = 0;
      const counted = { toJSON() { calls++; return 1; } };
      const ch = chan<unknown>(4, { codec: codecs.json(64) });
      await ch.send(counted);
      ch.trySend(counted);
      await ch.sendMany([counted]);
      await select([send(ch, counted), recv(null)]);
      expect(calls).toBe(4);
      for (const op of ["send", "trySend", "sendMany"] as const) {
        const ch = chan<unknown>(4, { codec: codecs.json(64) });
        const v = { toJSON() { ch.dispose(); return 1; } };
        const attempt = () => (op === "send" ? ch.send(v) : op === "trySend" ? ch.trySend(v) : ch.sendMany([v]));
        expect(attempt).toThrow("use of disposed channel");
      }
    });

    it(`${core.name} core: an options.signal getter that disposes the channel: the op fails and parks nowhere`, () => {
      const { chan, codecs } = core.lib;
      for (const op of ["send", "recv", "recvOk", "recvMany", "sendMany"] as const) {
        const ch = chan<number>(0, { codec: codecs.i32 });
        const opts = { get signal() { ch.dispose(); return undefined; } };
        const before = core.lib.stats();
        const run = () => (op === "send" ? ch.send(1, opts) : op === "recv" ? ch.recv(opts) : op === "recvOk" ? ch.recvOk(opts)
          : op === "recvMany" ? ch.recvMany(2, opts) : ch.sendMany([1], opts));
        expect(run).toThrow("use of disposed channel");
        const fresh = chan<number>(0, { codec: codecs.i32 }); // on the Wasm core it may sit where the disposed one was
        expect(fresh.trySend(1)).toBe(false); // no receiver parked on it
        expect(fresh.tryRecv()).toBeUndefined();
        expect(core.lib.stats().parkedReceivers).toBe(before.parkedReceivers);
        expect(core.lib.stats().parkedSenders).toBe(before.parkedSenders);
        fresh.dispose();
      }
    });
  }

  it("wasm core: a toJSON that disposes the channel it is sent on leaves the memory that channel had clean", async () => {
    for (const op of ["send", "trySend", "sendMany"] as const) {
      const ch = chan<unknown>(4, { codec: codecs.json(64) });
      const v = { toJSON() { ch.dispose(); return 1; } };
      const fresh = () => chan<unknown>(4, { codec: codecs.json(64) });
      const attempt = () => (op === "send" ? ch.send(v) : op === "trySend" ? ch.trySend(v) : ch.sendMany([v]));
      expect(attempt).toThrow("use of disposed channel");
      const n = fresh(); // may reuse the disposed channel's memory
      expect(n.len).toBe(0);
      expect(n.tryRecv()).toBeUndefined();
    }
  });

  it("a signal whose own properties lie is still read through AbortSignal's own accessors", async () => {
    const ch = chan<number>();
    const c = new AbortController();
    Object.defineProperty(c.signal, "aborted", { get: () => { ch.dispose(); return false; } });
    const p = ch.recv({ signal: c.signal });
    expect(ch.trySend(3)).toBe(true);
    expect(await p).toBe(3);
    expect(() => ch.recv({ signal: { aborted: false, addEventListener() {} } as unknown as AbortSignal })).toThrow(TypeError);
  });

  it("a select array whose element getters change from read to read is read once", async () => {
    const a = chan<number>(1);
    const b = chan<number>(1);
    const big = Array.from({ length: 2000 }, () => recv(chan<number>()));
    let elementReads = 0;
    let lengthReads = 0;
    const cases: unknown[] = [recv(a)];
    Object.defineProperty(cases, 0, { get: () => (elementReads++ === 0 ? recv(a) : recv(b)), enumerable: true });
    const longer = new Proxy(cases, {
      get: (t, k) => (k === "length" ? (lengthReads++ === 0 ? 1 : big.length) : k === "1" ? big[0] : Reflect.get(t, k)),
    });
    a.trySend(1);
    const r = await select(longer as never);
    expect(r).toEqual({ index: 0, value: 1, ok: true });
    b.trySend(2);
    expect(b.tryRecv()).toEqual({ value: 2, ok: true });
  });

  it("a received value whose `then` getter runs channel operations does not disturb a close waking many", async () => {
    const ch = chan<unknown>();
    const side = chan<number>(8);
    const got: unknown[] = [];
    const rs = [0, 1, 2, 3].map(() => ch.recvOk().then((r) => got.push(r.ok)));
    const thenable = { get then() { side.trySend(9); chan<number>(1).trySend(1); return undefined; } };
    const p = ch.recv();
    expect(ch.trySend(thenable)).toBe(true); // to the first parked receiver
    ch.close();
    await Promise.all(rs);
    expect(await p).toBe(undefined);
    expect(got).toEqual([true, false, false, false]);
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
    const header = u8.slice(real.c, real.c + HCHAN_SIZE);
    const value = new Uint8Array(HCHAN_SIZE + 4);
    value.set(header, 4); // after the slot's 4-byte length word and 4 bytes of padding: 8-aligned
    carrier.trySend(value);
    const ring = carrier.share().c + HCHAN_SIZE;
    const forged = ring + 8;
    expect([...u8.slice(forged, forged + HCHAN_SIZE)]).toEqual([...header]);
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
