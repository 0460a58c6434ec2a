// Typed-array batches: sendMany/sendManySync of a typed array, recvManyInto/recvManyIntoSync into a
// view — every numeric codec × both cores × local and shared memory, hostile arrays (a lying length,
// redefined subarray/set/buffer, a Proxy, a view of part of a buffer, a buffer detached while waiting),
// and a worker streaming through a reused buffer with every value accounted for.
// (The reference-model suite also runs random programs whose batches are typed arrays.)
import { describe, expect, it } from "vitest";
import { cores } from "./cores";
import { inWorker, track, turns } from "./util";

type Numeric = "i32" | "u32" | "f64" | "i64";
const arrays = { i32: Int32Array, u32: Uint32Array, f64: Float64Array, i64: BigInt64Array } as const;
/** Values that fill each codec's range: its limits, and for f64 -0, NaN and infinities. */
const samples: Record<Numeric, unknown[]> = {
  i32: [0, -1, 2 ** 31 - 1, -(2 ** 31), 12345],
  u32: [0, 1, 2 ** 32 - 1, 2 ** 31, 777],
  f64: [-0, NaN, Infinity, -Infinity, 5e-324, 1.5],
  i64: [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 99n],
};
const make = (k: Numeric, vs: unknown[]) => (arrays[k] as any).from(vs);

describe.each(cores)("$name core: typed-array batches", ({ name, lib }) => {
  const { chan, codecs, ChannelError } = lib;
  const heaps = name === "wasm" ? [false, true] : [false];

  describe.each(["i32", "u32", "f64", "i64"] as Numeric[])("%s", (k) => {
    describe.each(heaps)("shared: %s", (shared) => {
      const mk = async (cap: number) => {
        if (!shared) return chan<any>(cap, { codec: codecs[k] as any });
        const heap = await (lib as typeof import("wasmchan")).SharedHeap.create();
        return heap.chan(cap, codecs[k] as any) as any;
      };

      it("sendMany(its typed array) → recvManyInto(view): every value, in order, edge values kept", async () => {
        const ch = await mk(16);
        const vs = samples[k];
        await ch.sendMany(make(k, vs));
        await ch.sendMany(vs); // an array and a typed array go to the same place
        const view = new arrays[k](16);
        expect(await ch.recvManyInto(view)).toBe(2 * vs.length);
        expect(Array.from(view.subarray(0, 2 * vs.length))).toEqual([...vs, ...vs]);
        expect(ch.len).toBe(0);
        ch.close();
        expect(await ch.recvManyInto(view)).toBe(0); // closed and drained
      });

      it("recvManyInto waits for the first value, then fills the view from its start, up to its length", async () => {
        const ch = await mk(8);
        const view = new arrays[k](3);
        const p = track(ch.recvManyInto(view));
        await turns();
        expect(p.state).toBe("pending");
        ch.trySend(samples[k][1]);
        await turns();
        expect(p.value).toBe(1);
        expect(view[0]).toEqual(samples[k][1]);
        await ch.sendMany(make(k, samples[k]));
        expect(await ch.recvManyInto(view)).toBe(3);
        expect(Array.from(view)).toEqual(samples[k].slice(0, 3));
        ch.dispose();
      });

      it("a part of a larger buffer: only that part is read, only that part is written", async () => {
        const ch = await mk(8);
        const big = make(k, [...samples[k], ...samples[k]]);
        await ch.sendMany(big.subarray(2, 5));
        const out = new arrays[k](10).fill(samples[k][4] as never);
        expect(await ch.recvManyInto(out.subarray(4, 8) as never)).toBe(3);
        expect(Array.from(out)).toEqual([...Array(4).fill(samples[k][4]), ...samples[k].slice(2, 5), ...Array(3).fill(samples[k][4])]);
        ch.dispose();
      });

      it("a typed array that lies (length, subarray, set, buffer redefined) is read through its real slots", async () => {
        const ch = await mk(16);
        class Liar extends (arrays[k] as any) {
          get length() { return 1000; }
          get buffer() { throw new Error("buffer getter ran"); }
          subarray() { throw new Error("subarray ran"); }
          set() { throw new Error("set ran"); }
        }
        const src = new (Liar as any)(samples[k].length);
        for (let i = 0; i < samples[k].length; i++) src[i] = samples[k][i];
        await ch.sendMany(src);
        expect(ch.len).toBe(samples[k].length);
        const dst = new (Liar as any)(16);
        expect(await ch.recvManyInto(dst)).toBe(samples[k].length);
        for (let i = 0; i < samples[k].length; i++) expect(dst[i]).toEqual(samples[k][i]);
        ch.dispose();
      });

      it("a batch that has to wait keeps its own copy: the caller may reuse its array at once", async () => {
        const ch = await mk(2);
        const src = make(k, samples[k].slice(0, 4));
        const p = track(ch.sendMany(src));
        src.fill(samples[k][4]); // reused before the rest went
        await turns();
        expect(p.state).toBe("pending");
        const view = new arrays[k](4);
        let got: unknown[] = [];
        while (got.length < 4) got = [...got, ...Array.from(view.subarray(0, await ch.recvManyInto(view)))];
        expect(got).toEqual(samples[k].slice(0, 4));
        await p.promise;
        ch.dispose();
      });

      it("the wrong view is refused before anything is taken", async () => {
        const ch = await mk(4);
        ch.trySend(samples[k][1]);
        const other = k === "f64" ? new Int32Array(4) : new Float64Array(4);
        for (const bad of [other, new DataView(new ArrayBuffer(8)), [0, 0], new Proxy(new arrays[k](4), {}), null]) {
          expect(() => ch.recvManyInto(bad)).toThrow(TypeError);
        }
        expect(() => ch.recvManyInto(new arrays[k](0))).toThrow(RangeError);
        expect(ch.len).toBe(1);
        ch.dispose();
      });

      it("other typed arrays are checked element by element: one bad element and nothing is sent", async () => {
        const ch = await mk(8);
        if (k === "i64") {
          await ch.sendMany(BigUint64Array.of(5n, 2n ** 63n - 1n));
          expect(() => ch.sendMany(BigUint64Array.of(1n, 2n ** 63n))).toThrow(RangeError);
          expect(() => ch.sendMany(Int32Array.of(1))).toThrow(TypeError); // numbers, not bigints
        } else {
          await ch.sendMany(Uint8Array.of(5, 255));
          if (k !== "f64") expect(() => ch.sendMany(Float64Array.of(1, 1.5))).toThrow(RangeError);
          if (k === "u32") expect(() => ch.sendMany(Int8Array.of(3, -1))).toThrow(RangeError);
          expect(() => ch.sendMany(BigInt64Array.of(1n))).toThrow(TypeError);
        }
        expect(ch.len).toBe(2);
        ch.dispose();
      });

      it("more than one core call's worth (4096 slots) in both directions", async () => {
        const n = 10_000;
        const ch = await mk(n);
        const src = k === "i64" ? BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * -3n) : (arrays[k] as any).from({ length: n }, (_, i: number) => i * 3);
        await ch.sendMany(src);
        const dst = new arrays[k](n + 1);
        expect(await ch.recvManyInto(dst)).toBe(n);
        expect(Array.from(dst.subarray(0, n))).toEqual(Array.from(src));
        ch.dispose();
      });

      if (shared) {
        it("blocking forms: sendManySync(typed array), recvManyIntoSync(view)", async () => {
          const ch = await mk(8);
          ch.sendManySync(make(k, samples[k]));
          const view = new arrays[k](8);
          expect(ch.recvManyIntoSync(view)).toBe(samples[k].length);
          expect(Array.from(view.subarray(0, samples[k].length))).toEqual(samples[k]);
          ch.close();
          expect(ch.recvManyIntoSync(view)).toBe(0);
          ch.dispose();
        });
      }
    });
  });

  it("untyped and non-numeric channels: recvManyInto says to use recvMany; sendMany takes a typed array's numbers", async () => {
    const ch = chan<any>(4);
    await ch.sendMany(Float64Array.of(-0, 2.5));
    expect(() => ch.recvManyInto(new Float64Array(4) as never)).toThrow(/use recvMany/);
    expect(await ch.recvMany(4)).toEqual([-0, 2.5]);
    const s = chan<string>(4, { codec: codecs.string(4) });
    expect(() => s.recvManyInto(new Int32Array(4) as never)).toThrow(TypeError);
    expect(() => s.sendMany(Int32Array.of(1) as never)).toThrow(TypeError); // numbers are not strings
    expect(() => ch.sendMany("abc" as never)).toThrow(TypeError);
  });

  it("a view detached while recvManyInto waited: the value is on the error, not lost", async () => {
    const ch = chan<number>(0, { codec: codecs.i32 });
    const view = new Int32Array(4);
    const p = track(ch.recvManyInto(view));
    structuredClone(view.buffer, { transfer: [view.buffer] }); // detaches it
    await ch.send(42);
    await turns();
    expect(p.state).toBe("rejected");
    expect(p.reason).toBeInstanceOf(TypeError);
    expect((p.reason as { value: unknown }).value).toBe(42);
  });

  it("disposed or closed mid-way: sendMany(typed) rejects at the value refused, the earlier ones were sent", async () => {
    const ch = chan<number>(2, { codec: codecs.i32 });
    const p = track(ch.sendMany(Int32Array.of(1, 2, 3, 4)));
    await turns();
    ch.close();
    await turns();
    expect(p.state).toBe("rejected");
    expect(p.reason).toBeInstanceOf(ChannelError);
    const view = new Int32Array(4);
    expect(await ch.recvManyInto(view)).toBe(2);
    expect(Array.from(view.subarray(0, 2))).toEqual([1, 2]);
    expect(() => ch.recvManyInto(new Int32Array(0))).toThrow(RangeError);
    ch.dispose();
    expect(() => ch.recvManyInto(view)).toThrow("use of disposed channel");
  });
});

describe("typed-array batches across threads", () => {
  it("a worker streams 200k values through one reused Int32Array; the main thread drains into one view: each once, in order", async () => {
    const lib = await import("wasmchan");
    const heap = await lib.SharedHeap.create();
    const ch = heap.chan(1024, lib.codecs.i32);
    const N = 200_000;
    const worker = inWorker(`
      const ch = await lib.attach(workerData.d);
      const buf = new Int32Array(256);
      for (let v = 0; v < workerData.N; ) {
        const k = Math.min(buf.length, workerData.N - v);
        for (let i = 0; i < k; i++) buf[i] = v++;
        ch.sendManySync(k === buf.length ? buf : buf.subarray(0, k));
      }
      ch.close();
    `, { d: ch.share(), N });
    const view = new Int32Array(300);
    let next = 0, calls = 0;
    for (let n; (n = await ch.recvManyInto(view)) > 0; calls++) {
      for (let i = 0; i < n; i++) if (view[i] !== next++) throw new Error(`got ${view[i]}, expected ${next - 1}`);
    }
    await worker;
    expect(next).toBe(N);
    expect(calls).toBeGreaterThan(N / 300 - 1);
    ch.dispose();
  });
});
