// The codec × path matrix: every codec's edge values through every way a value can move (buffered,
// hand-off to a parked receiver or from a parked sender, parked behind a full buffer, try, select in
// both directions, batches, blocking forms) on both cores, in local and shared memory. Each value must
// arrive intact, once, in order. Bugs so far lived where two of these meet.
import { describe, expect, it } from "vitest";
import * as wasm from "wasmchan";
import { cores, type Lib } from "./cores";
import { inWorker } from "./util";

type AnyChan = wasm.Chan<unknown>;

interface Kind {
  name: string;
  codec: (lib: Lib) => wasm.Codec<unknown> | undefined;
  values: () => unknown[];
}

const kinds: Kind[] = [
  { name: "i32", codec: (l) => l.codecs.i32 as wasm.Codec<unknown>, values: () => [0, -1, 2 ** 31 - 1, -(2 ** 31), 7] },
  { name: "u32", codec: (l) => l.codecs.u32 as wasm.Codec<unknown>, values: () => [0, 2 ** 32 - 1, 5, 2 ** 31] },
  { name: "f64", codec: (l) => l.codecs.f64 as wasm.Codec<unknown>, values: () => [0, -0, NaN, Infinity, -1e308, 1.5, 5e-324] },
  { name: "i64", codec: (l) => l.codecs.i64 as wasm.Codec<unknown>, values: () => [0n, -(2n ** 63n), 2n ** 63n - 1n, 42n] },
  { name: "bool", codec: (l) => l.codecs.bool as wasm.Codec<unknown>, values: () => [true, false, true] },
  { name: "bytes(0)", codec: (l) => l.codecs.bytes(0) as wasm.Codec<unknown>, values: () => [new Uint8Array(0), new Uint8Array(0)] },
  { name: "bytes(5)", codec: (l) => l.codecs.bytes(5) as wasm.Codec<unknown>,
    values: () => [new Uint8Array(0), Uint8Array.of(1, 2, 3, 4, 5), Uint8Array.of(255), Uint8Array.of(9, 8, 7)] },
  { name: "bytes(64)", codec: (l) => l.codecs.bytes(64) as wasm.Codec<unknown>,
    values: () => [new Uint8Array(64).fill(3), Uint8Array.of(1), new Uint8Array(0)] },
  { name: "string(5)", codec: (l) => l.codecs.string(5) as wasm.Codec<unknown>, values: () => ["", "hello", "é", "\u{1F600}", "ab"] },
  { name: "string(13)", codec: (l) => l.codecs.string(13) as wasm.Codec<unknown>, values: () => ["thirteen byte", "", "ünïcödé"] },
  { name: "json(9)", codec: (l) => l.codecs.json(9) as wasm.Codec<unknown>, values: () => [1, "abc", [1, 2], { a: 1 }, true, 1234567] },
  { name: "struct{id:u32,x:f64,ok:bool}", codec: (l) => l.codecs.struct({ id: "u32", x: "f64", ok: "bool" }) as wasm.Codec<unknown>,
    values: () => [{ id: 1, x: -0, ok: true }, { id: 2 ** 32 - 1, x: NaN, ok: false }, { id: 0, x: 1e308, ok: true }] },
  { name: "struct{a:bool,b:bool,c:bool}", codec: (l) => l.codecs.struct({ a: "bool", b: "bool", c: "bool" }) as wasm.Codec<unknown>,
    values: () => [{ a: true, b: false, c: true }, { a: false, b: false, c: false }, { a: true, b: true, c: true }] },
  { name: "struct{n:i32,t:i64}", codec: (l) => l.codecs.struct({ n: "i32", t: "i64" }) as wasm.Codec<unknown>,
    values: () => [{ n: -(2 ** 31), t: 2n ** 63n - 1n }, { n: 5, t: -1n }] },
  { name: "untyped", codec: () => undefined, values: () => [undefined, null, 0, "s", { a: 1 }, [1], Symbol.for("x"), 2n] },
];

interface Mem {
  name: string;
  make: (lib: Lib, cap: number, codec: wasm.Codec<unknown> | undefined) => Promise<AnyChan>;
}

const local: Mem = { name: "local", make: async (lib, cap, codec) => lib.chan<unknown>(cap, codec ? { codec } : undefined) as AnyChan };
const shared: Mem = {
  name: "shared",
  make: async (_lib, cap, codec) => (await wasm.SharedHeap.create({ maxBytes: 1 << 20 })).chan<unknown>(cap, codec!),
};

/** Each path moves `vs` through a fresh channel from `make(cap)` and returns what came out. */
type Path = (make: (cap: number) => Promise<AnyChan>, vs: unknown[], lib: Lib) => Promise<unknown[]>;

const paths: Record<string, Path> = {
  async buffered(make, vs) {
    const ch = await make(vs.length);
    for (const v of vs) await ch.send(v);
    const out = [];
    for (let i = 0; i < vs.length; i++) out.push(await ch.recv());
    return out;
  },
  async try(make, vs) {
    const ch = await make(vs.length);
    for (const v of vs) expect(ch.trySend(v)).toBe(true);
    expect(ch.trySend(vs[0])).toBe(false);
    const out = [];
    for (let i = 0; i < vs.length; i++) {
      const r = ch.tryRecv()!;
      expect(r.ok).toBe(true);
      out.push(r.value);
    }
    expect(ch.tryRecv()).toBeUndefined();
    return out;
  },
  async "hand-off to a parked receiver"(make, vs) {
    const ch = await make(0);
    const out = [];
    for (const v of vs) {
      const p = ch.recvOk();
      expect(ch.trySend(v)).toBe(true);
      out.push((await p).value);
    }
    return out;
  },
  async "hand-off from a parked sender"(make, vs) {
    const ch = await make(0);
    const out = [];
    for (const v of vs) {
      const p = ch.send(v);
      out.push(ch.tryRecv()!.value);
      await p;
    }
    return out;
  },
  async "parked behind a full buffer"(make, vs) {
    const ch = await make(1);
    const sends = vs.map((v) => ch.send(v)); // the first is buffered, the rest park
    const out = [];
    for (let i = 0; i < vs.length; i++) out.push(await ch.recv());
    await Promise.all(sends);
    return out;
  },
  async "select send and recv, buffered"(make, vs, lib) {
    const ch = await make(vs.length);
    for (const v of vs) expect((await lib.select([lib.send(ch, v), lib.recv(null)])).index).toBe(0);
    const out = [];
    for (let i = 0; i < vs.length; i++) out.push((await lib.select([lib.recv(null), lib.recv(ch)])).value);
    return out;
  },
  async "select parked, completed by the other side"(make, vs, lib) {
    const ch = await make(0);
    const viaRecvCase = [];
    const viaSendCase = [];
    for (const v of vs) {
      const r = lib.select([lib.recv(ch), lib.recv(null)]);
      await ch.send(v);
      viaRecvCase.push((await r).value);
      const s = lib.select([lib.send(ch, v)]);
      viaSendCase.push(await ch.recv());
      expect((await s).index).toBe(0);
    }
    expect(viaSendCase).toEqual(viaRecvCase);
    return viaRecvCase;
  },
  // A local channel of the Wasm core keeps its values in a JS ring until an op first waits on it; then
  // they move into linear memory. These paths buffer values (a wrapped ring, a grown ring), then make
  // an op wait, and receive everything in order.
  async "buffered, wrapped, then moved into the core by a parked send"(make, vs) {
    const ch = await make(vs.length);
    for (const v of vs) await ch.send(v);
    const head = await ch.recv(); // the ring's head moves on: the next send wraps
    await ch.send(vs[0]);
    const parked = ch.send(vs[1]); // full: parks
    const out = [head];
    for (let i = 0; i < vs.length + 1; i++) out.push(await ch.recv());
    await parked;
    return out;
  },
  async "buffered past the first ring size (grown), then moved into the core by a parked select"(make, vs, lib) {
    const many = Array.from({ length: 40 }, (_, i) => vs[i % vs.length]);
    const ch = await make(many.length);
    for (const v of many) expect(ch.trySend(v)).toBe(true);
    const parked = lib.select([lib.send(ch, vs[0])]); // full: parks
    const out = [];
    for (let i = 0; i < many.length + 1; i++) out.push(await ch.recv());
    expect((await parked).index).toBe(0);
    return out;
  },
  async "batch, buffered"(make, vs) {
    const ch = await make(vs.length);
    await ch.sendMany(vs);
    return ch.recvMany(vs.length + 5);
  },
  async "batch, hand-off both ways"(make, vs) {
    const ch = await make(0);
    const first = ch.recvMany(vs.length); // parked: the batch hands it the first value
    const sent = ch.sendMany(vs); // the rest park, one at a time
    const out = await first;
    while (out.length < vs.length) out.push(...(await ch.recvMany(vs.length)));
    await sent;
    return out;
  },
};

/** What each path moves, from the kind's values. */
const moved: Record<string, (vs: unknown[]) => unknown[]> = {
  "buffered, wrapped, then moved into the core by a parked send": (vs) => [...vs, vs[0], vs[1]],
  "buffered past the first ring size (grown), then moved into the core by a parked select": (vs) =>
    [...Array.from({ length: 40 }, (_, i) => vs[i % vs.length]), vs[0]],
};

/** The value as a receiver must see it (lone-surrogate-free strings and JSON round trips are themselves). */
function expected(kind: Kind, vs: unknown[]): unknown[] {
  return kind.name.startsWith("json") ? vs.map((v) => JSON.parse(JSON.stringify(v))) : vs;
}

describe.each(cores)("$name core: codec × path matrix", (core) => {
  const mems = core.name === "wasm" ? [local, shared] : [local];
  for (const mem of mems) {
    for (const kind of kinds) {
      if (mem === shared && kind.name === "untyped") continue;
      for (const [pathName, path] of Object.entries(paths)) {
        it(`${mem.name} ${kind.name}: ${pathName}`, async () => {
          const vs = kind.values();
          const got = await path((cap) => mem.make(core.lib, cap, kind.codec(core.lib)), vs, core.lib);
          const want = expected(kind, (moved[pathName] ?? ((x) => x))(vs));
          expect(got).toEqual(want); // Object.is for numbers: NaN is NaN, -0 stays -0
        });
      }
    }
  }
});

/** The blocking forms, across threads: a worker receives with recvSync/recvManySync while parked and
 *  sends with sendSync/sendManySync, for every codec of a shared channel. */
describe("shared: blocking forms × every codec, across threads", () => {
  for (const kind of kinds.filter((k) => k.name !== "untyped")) {
    it(`${kind.name}: parked recvSync, sendSync, recvManySync, sendManySync`, async () => {
      const heap = await wasm.SharedHeap.create({ maxBytes: 1 << 20 });
      const codec = kind.codec(wasm as unknown as Lib)!;
      const toW = heap.chan<unknown>(0, codec);
      const fromW = heap.chan<unknown>(0, codec);
      const vs = kind.values();
      const worker = inWorker(`
        const a = await lib.attach(workerData.a), b = await lib.attach(workerData.b);
        const got = [];
        for (let i = 0; i < workerData.n; i++) got.push(a.recvSync());
        while (got.length < 2 * workerData.n) got.push(...a.recvManySync(workerData.n));
        for (const v of got.slice(0, workerData.n)) b.sendSync(v);
        b.sendManySync(got.slice(workerData.n));
        return got;`, { a: toW.share(), b: fromW.share(), n: vs.length });
      for (const v of vs) await toW.send(v); // each hands off to the parked recvSync
      await toW.sendMany(vs);
      const back: unknown[] = [];
      while (back.length < 2 * vs.length) back.push(...(await fromW.recvMany(2 * vs.length)));
      const want = expected(kind, vs);
      expect(await worker).toEqual([...want, ...want]);
      expect(back).toEqual([...want, ...want]);
    });
  }
});
