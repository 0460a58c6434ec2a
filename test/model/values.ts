// Values for the reference-model test: the kinds of channel it makes (untyped and one per codec,
// including sizes that are not a multiple of 4), a value for each generated spec, what a receiver
// must get for it, and which error a value that does not fit must throw. All of this is written
// from the API contract (API.md), not from the codecs' code: it is the model's view of the codecs.
import type { Lib } from "../cores";

export type Err = "TypeError" | "RangeError";

/** A generated value, interpreted by the kind of the channel it is sent on. */
export interface ValSpec {
  /** 0: fits, 1: fits at the edge (limits, -0, NaN, exactly n bytes), 2: right kind but out of range, 3: wrong kind. */
  cls: number;
  n: number;
}

/** A value as the test sends it: the raw value, and either what a receiver must get or the error. */
export interface Made {
  raw: unknown;
  expect?: unknown;
  err?: Err;
}

export interface Kind {
  name: string;
  codec: ((lib: Lib) => unknown) | undefined;
  /** The typed array a batch of the codec's values is copied in and out as (numeric codecs). */
  packed?: "Int32Array" | "Uint32Array" | "Float64Array" | "BigInt64Array";
  zero: () => unknown;
  make: (s: ValSpec) => Made;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const utf8Len = (s: string): number => enc.encode(s).length;
const pick = <T>(xs: readonly T[], n: number): T => xs[n % xs.length];

/** Sent as is; for an integer codec -0 is received as 0. */
const same = (v: unknown): Made => ({ raw: v, expect: v });
const int = (v: number): Made => ({ raw: v, expect: v === 0 ? 0 : v });
const bad = (raw: unknown, err: Err): Made => ({ raw, err });

function untypedValue(s: ValSpec): Made {
  const n = s.n;
  // Every kind of JS value goes through untyped channels by reference (objects: the same object).
  if (s.cls === 1) return same(pick([undefined, null, -0, NaN, 0, "", false], n));
  switch (n % 6) {
    case 0: return same(n * 7 + 1);
    case 1: return same({ tok: n });
    case 2: return same(`s${n}`);
    case 3: return same([n]);
    case 4: return same(() => n);
    default: return same(new Uint8Array([n & 255]));
  }
}

function i32Value(s: ValSpec): Made {
  switch (s.cls) {
    case 0: return int(Math.imul(s.n + 1, 0x9e3779b1));
    case 1: return int(pick([0, -1, 2 ** 31 - 1, -(2 ** 31), -0], s.n));
    case 2: return bad(pick([2 ** 31, -(2 ** 31) - 1, 1.5, NaN, Infinity], s.n), "RangeError");
    default: return bad(pick(["1", 1n, null, undefined, true], s.n), "TypeError");
  }
}

function u32Value(s: ValSpec): Made {
  switch (s.cls) {
    case 0: return int(Math.imul(s.n + 1, 0x9e3779b1) >>> 0);
    case 1: return int(pick([0, 2 ** 32 - 1, 2 ** 31, -0], s.n));
    case 2: return bad(pick([-1, 2 ** 32, 0.5, NaN], s.n), "RangeError");
    default: return bad(pick(["1", 1n, null, {}], s.n), "TypeError");
  }
}

function f64Value(s: ValSpec): Made {
  switch (s.cls) {
    case 0: return same(s.n * 1.37 - 50);
    case 1: return same(pick([NaN, -0, Infinity, -Infinity, 5e-324, -Number.MAX_VALUE], s.n));
    default: return bad(pick(["1.5", 1n, null, undefined, {}], s.n), "TypeError");
  }
}

function i64Value(s: ValSpec): Made {
  switch (s.cls) {
    case 0: return same(BigInt(s.n) * 1000003n - 7n);
    case 1: return same(pick([0n, -(2n ** 63n), 2n ** 63n - 1n, -1n], s.n));
    case 2: return bad(pick([2n ** 63n, -(2n ** 63n) - 1n], s.n), "RangeError");
    default: return bad(pick([1, "1", null, undefined, true], s.n), "TypeError");
  }
}

function boolValue(s: ValSpec): Made {
  if (s.cls <= 1) return same(s.n % 2 === 0);
  return bad(pick([0, 1, "true", null, undefined], s.n), "TypeError");
}

/** `len` bytes, as a plain array, a Buffer or a view into the middle of a larger buffer. */
function someBytes(len: number, n: number): Uint8Array {
  const fill = (a: Uint8Array) => { for (let i = 0; i < a.length; i++) a[i] = (n + i * 31) & 255; return a; };
  switch (n % 3) {
    case 0: return fill(new Uint8Array(len));
    case 1: return fill(Buffer.alloc(len));
    default: return fill(new Uint8Array(new ArrayBuffer(len + 7), 3, len));
  }
}

function bytesValue(max: number) {
  return (s: ValSpec): Made => {
    const ok = (b: Uint8Array): Made => ({ raw: b, expect: Uint8Array.from(b) });
    switch (s.cls) {
      case 0: return ok(someBytes(s.n % (max + 1), s.n));
      case 1: return ok(someBytes(max, s.n));
      case 2: return bad(someBytes(max + 1 + (s.n % 3), s.n), "RangeError");
      default: return bad(pick([[1, 2], new Int8Array(1), "ab", null, new Uint8ClampedArray(1), Object.create(Uint8Array.prototype)], s.n), "TypeError");
    }
  };
}

/** struct{id:u32,x:f64,ok:bool}: an object read field by field (extra fields ignored, a getter read
 *  once); a receiver gets a new plain object with exactly those fields, in declaration order. */
function structValue(s: ValSpec): Made {
  const n = s.n;
  const ok = (id: number, x: number, flag: boolean, raw: unknown): Made => ({ raw, expect: { id: id === 0 ? 0 : id, x, ok: flag } });
  switch (s.cls) {
    case 0: return ok(n, n * 0.5 - 3, n % 2 === 0, { id: n, x: n * 0.5 - 3, ok: n % 2 === 0 });
    case 1: {
      const edges = [
        () => ok(2 ** 32 - 1, -0, true, { id: 2 ** 32 - 1, x: -0, ok: true }),
        () => ok(0, NaN, false, { ok: false, x: NaN, id: -0, extra: "ignored" }),
        () => ok(7, Infinity, true, { get id() { return 7; }, x: Infinity, ok: true }),
        () => ok(1, 2, false, Object.assign(Object.create({ ok: false }), { id: 1, x: 2 })), // an inherited field counts
      ];
      return pick(edges, n)();
    }
    case 2: return bad(pick([{ id: -1, x: 0, ok: true }, { id: 1.5, x: 0, ok: true }, { id: 2 ** 32, x: 0, ok: false }], n), "RangeError");
    default: return bad(pick([null, 5, [1, 2, true], { id: "1", x: 0, ok: true }, { id: 1, x: 0, ok: 1 }, { id: 1, x: 1n, ok: true }, { x: 0, ok: true }], n), "TypeError");
  }
}

/** A string of exactly `bytes` UTF-8 bytes, mixing 1- to 4-byte characters (and a lone surrogate,
 *  which takes 3 bytes and comes back as U+FFFD). */
function stringOf(bytes: number, n: number, lone = true): string {
  const pool = ["a", "é", "€", "\u{1F600}", "b", lone && n % 7 === 0 ? "\ud800" : "c"];
  let s = "";
  let len = 0;
  for (let k = 0; ; k++) {
    const c = pool[(n + k * 5) % pool.length];
    const cl = utf8Len(c);
    if (len + cl > bytes) break;
    s += c;
    len += cl;
  }
  return s + "a".repeat(bytes - len);
}

function stringValue(max: number) {
  return (s: ValSpec): Made => {
    const ok = (v: string): Made => ({ raw: v, expect: dec.decode(enc.encode(v)) });
    switch (s.cls) {
      case 0: return ok(stringOf(s.n % (max + 1), s.n));
      case 1: return ok(stringOf(max, s.n));
      case 2: return bad(s.n % 2 === 0 ? stringOf(max + 1, s.n) : stringOf(Math.max(0, max - 1), s.n) + "€", "RangeError");
      default: return bad(pick([1, null, undefined, {}, new Uint8Array(1)], s.n), "TypeError");
    }
  };
}

function jsonValue(max: number) {
  return (s: ValSpec): Made => {
    const ok = (v: unknown): Made => ({ raw: v, expect: JSON.parse(JSON.stringify(v)) });
    const n = s.n;
    switch (s.cls) {
      case 0: {
        const v = pick([n % 1000, `s${n % 100}`, [n % 10, n % 7], { a: n % 10 }, true, null, -0, 1.5, "é",
          { toJSON: () => n % 100 }], n);
        return ok(utf8Len(JSON.stringify(v)) <= max ? v : n % 10);
      }
      case 1: // exactly max bytes of JSON
        return ok(n % 2 === 0 || max > 15 ? stringOf(max - 2, n, false) : Number("1".repeat(max)));
      case 2: return bad(n % 2 === 0 ? "x".repeat(max - 1) : Array.from({ length: max }, () => 1), "RangeError");
      default: {
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        return bad(pick([undefined, () => 1, Symbol("x"), 1n, circular, { toJSON: () => undefined }], n), "TypeError");
      }
    }
  };
}

const codec = (f: (c: Lib["codecs"]) => unknown) => (lib: Lib) => f(lib.codecs);

/** The channel kinds, by index (a program names them by number). */
export const kinds: Kind[] = [
  { name: "untyped", codec: undefined, zero: () => undefined, make: untypedValue },
  { name: "i32", codec: codec((c) => c.i32), packed: "Int32Array", zero: () => 0, make: i32Value },
  { name: "u32", codec: codec((c) => c.u32), packed: "Uint32Array", zero: () => 0, make: u32Value },
  { name: "f64", codec: codec((c) => c.f64), packed: "Float64Array", zero: () => 0, make: f64Value },
  { name: "i64", codec: codec((c) => c.i64), packed: "BigInt64Array", zero: () => 0n, make: i64Value },
  { name: "bool", codec: codec((c) => c.bool), zero: () => false, make: boolValue },
  { name: "bytes(0)", codec: codec((c) => c.bytes(0)), zero: () => new Uint8Array(0), make: bytesValue(0) },
  { name: "bytes(5)", codec: codec((c) => c.bytes(5)), zero: () => new Uint8Array(0), make: bytesValue(5) },
  { name: "bytes(8)", codec: codec((c) => c.bytes(8)), zero: () => new Uint8Array(0), make: bytesValue(8) },
  { name: "string(3)", codec: codec((c) => c.string(3)), zero: () => "", make: stringValue(3) },
  { name: "string(7)", codec: codec((c) => c.string(7)), zero: () => "", make: stringValue(7) },
  { name: "json(5)", codec: codec((c) => c.json(5)), zero: () => null, make: jsonValue(5) },
  { name: "json(10)", codec: codec((c) => c.json(10)), zero: () => null, make: jsonValue(10) },
  { name: "struct{id:u32,x:f64,ok:bool}", codec: codec((c) => c.struct({ id: "u32", x: "f64", ok: "bool" })), zero: () => ({ id: 0, x: 0, ok: false }), make: structValue },
];
/** Shared channels need a codec: an untyped channel of a program is an i32 one there. */
export const SHARED_UNTYPED = 1;

/**
 * A canonical text for a value, for comparing what arrived with what the model expects: numbers by
 * Object.is (-0, NaN), a Uint8Array with its class and bytes, arrays and objects by content — except
 * that an object the test itself sent (in `refs`) prints as its identity, so a received value must be
 * that very object on an untyped channel and must not be it (a copy) on a typed one.
 */
export function fmt(v: unknown, refs: WeakMap<object, number>): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  switch (typeof v) {
    case "number": return Object.is(v, -0) ? "-0" : String(v);
    case "bigint": return `${v}n`;
    case "string": return JSON.stringify(v);
    case "boolean": return String(v);
    case "symbol": return String(v);
  }
  const o = v as object;
  if (refs.has(o)) return `ref#${refs.get(o)}`;
  if (typeof o === "function") return "function";
  if (o instanceof Uint8Array) return `${o.constructor.name}[${Array.from(o).join(",")}]`;
  if (Array.isArray(o)) return `[${o.map((x) => fmt(x, refs)).join(",")}]`;
  return `{${Object.entries(o).map(([k, x]) => `${k}:${fmt(x, refs)}`).join(",")}}`;
}

/** A value spec as a program listing shows it, for a channel of kind `k`. */
export function showVal(k: Kind, s: ValSpec): string {
  const m = k.make(s);
  const text = (v: unknown): string => {
    if (typeof v === "function") return "() => …";
    if (v instanceof Uint8Array) return `${v.constructor.name}(${v.length})[${Array.from(v).join(",")}]`;
    if (typeof v === "object" && v !== null && "toJSON" in v) return "{ toJSON() }";
    try {
      return fmt(v, new WeakMap());
    } catch {
      return Object.prototype.toString.call(v);
    }
  };
  return m.err === undefined ? text(m.raw) : `${text(m.raw)} /*${m.err}*/`;
}

/** The typed array a generated batch is sent as when a program asks for one: the channel's codec's own
 *  (copied in whole), else a Float64Array when every value is a number (each element checked by the
 *  codec, or carried as a number by an untyped channel); none when a value must be refused. */
export function batchArray(k: Kind, ms: readonly Made[]): string | undefined {
  if (ms.some((m) => m.err !== undefined)) return undefined;
  if (k.packed !== undefined) return k.packed;
  return ms.length > 0 && ms.every((m) => typeof m.raw === "number") ? "Float64Array" : undefined;
}
