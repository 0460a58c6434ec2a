// codecs: how a typed channel's values are checked, stored in fixed-size slots, and read back.
//
// The value-slot contract, owned here and asserted by `register` (a codec that breaks it cannot be made):
// - a slot is `size` bytes — 1, 2, 4 or a multiple of 8, the sizes the core takes — and `size` is a
//   multiple of `align` (1, 4 or 8): every base the core hands
//   a codec (ring slot 0, a scratch area, a sudog's elem area, a select case's elem area) is 8-aligned,
//   so slot j of a ring or a batch, at base + j * size, is aligned for its codec on every path;
// - variable-length slots are a u32 length, then at most `max` bytes; `size` is 4 + max rounded up to 8,
//   and `read` clamps the length word to `max`, so even a corrupt slot never reads beyond itself;
// - `prepare` is the only step that may run user code (getters, toJSON, a lying `length`): it validates
//   the whole value and returns what `store` writes; `store` runs no user code and never writes beyond
//   its slot, whatever it is given. The bindings prepare every value before they touch core memory.
// Errors: TypeError for the wrong kind of value, RangeError for the right kind out of range.
import { describe } from "./errors.js";
import { isUint8Array, lengthOfView as byteLength, type PackedName } from "./arrays.js";
import { structFields, structOf, type FieldType, type StructOf } from "./struct.js";
import { taggedOf, type Tagged } from "./tagged.js";

/** Typed-array views over the core's memory; rebuilt whenever the memory grows. */
export interface Views {
  readonly shared: boolean;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly i64: BigInt64Array;
}

/** Where a Codec<T> records its T for the type checker (no such property exists). */
declare const valueType: unique symbol;

/**
 * A channel's value type, from `codecs`: fixed-size typed slots (i32, f64, bytes(64), ...), each value
 * checked on send and copied, so a receiver gets its own. Required for shared channels.
 */
export interface Codec<T = unknown> {
  /** "i32", "bytes(16)", ... */
  readonly name: string;
  /** Bytes per slot in the Wasm core: a multiple of its alignment. */
  readonly size: number;
  /** The type of the values (for the type checker only). */
  readonly [valueType]?: T;
  /** @internal Alignment a slot's address needs: 1, 4 or 8. */
  readonly align: 1 | 4 | 8;
  /** @internal Go's zero value for the element type (a fresh one for mutable types). */
  zero(): T;
  /** @internal Throws TypeError/RangeError unless `v` fits; returns the value to store (the pure-TS
   *  core stores it as is): a snapshot where the caller could otherwise mutate it later. */
  check(v: unknown): unknown;
  /** @internal Reads back a value from `check` as a receiver gets it (a receiver's own copy). */
  unpack(stored: unknown): T;
  /** @internal What `check` stores for a value `prepare` returned (check(v) is snap(prepare(v))),
   *  where values are kept outside linear memory: no user code, and a valid input to `store`. */
  snap(p: unknown): unknown;
  /** @internal Throws TypeError/RangeError unless `v` fits; returns what `store` writes. The only step
   *  that may run user code. */
  prepare(v: unknown): unknown;
  /** @internal Writes a value from `prepare` at `addr` (aligned for this codec). Runs no user code and
   *  writes nothing outside [addr, addr + size); throws RangeError (writing nothing) if it does not fit. */
  store(m: Views, addr: number, p: unknown): void;
  /** @internal prepare + store, for callers with no user code to keep apart. */
  write(m: Views, addr: number, v: unknown): void;
  /** @internal Reads the value at `addr` (a receiver's own copy); never reads outside the slot. */
  read(m: Views, addr: number): T;
  /** @internal A hash of `name`, recorded in a channel's header (attach compares it). */
  readonly tag: number;
  /** @internal The typed array whose elements are exactly this codec's slots (numeric codecs): batches
   *  of it are copied in and out whole. */
  readonly packed?: PackedName;
}

/** FNV-1a of a codec's name: what a channel's header records of its codec (never 0: untyped). */
export function codecTag(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) || 1;
}

/** Largest `n` of bytes(n), string(n), json(n): a slot must fit the core's largest block. */
export const MAX_VALUE_BYTES = 0x7fff_0000 - 8;
const enc = new TextEncoder();
const u8Set = Uint8Array.prototype.set; // the intrinsic: a Uint8Array's own `set` may be redefined
const dec = new TextDecoder();
const made = new WeakSet<Codec>();

/** Admits a codec after asserting the slot contract: the bindings and the core trust `size`. */
function register<T>(c: Omit<Codec<T>, "write" | "tag" | "snap"> & { snap?: (p: unknown) => unknown }): Codec<T> {
  // The core's half of the contract (assembly/hchan.ts, makechan): a slot is 1, 2 or 4 bytes or a
  // multiple of 8, so every slot of its 8-aligned ring is aligned for its codec.
  const coreSize = c.size === 1 || c.size === 2 || c.size === 4 || (c.size > 0 && c.size % 8 === 0);
  if (![1, 4, 8].includes(c.align) || c.size < c.align || c.size % c.align !== 0 || !coreSize) {
    throw new Error(`wasmchan: codec ${c.name} breaks the slot contract (size ${c.size}, align ${c.align})`);
  }
  const codec = c as Codec<T>;
  codec.write = (m, a, v) => c.store(m, a, c.prepare(v));
  if (codec.snap === undefined) codec.snap = (p) => p; // immutable values: stored as prepared
  (codec as { tag: number }).tag = codecTag(c.name);
  Object.freeze(codec); // the core trusts `size`: nobody may change it
  made.add(codec as Codec);
  return codec;
}

function wrongKind(codec: string, v: unknown): TypeError {
  return new TypeError(`wasmchan: ${codec} channel cannot carry ${describe(v)}`);
}

function outOfRange(codec: string, v: unknown): RangeError {
  return new RangeError(`wasmchan: ${describe(v)} is out of range for a ${codec} channel`);
}

function tooLong(codec: string, what: string, n: number, max: number): RangeError {
  return new RangeError(`wasmchan: ${what} of ${n} bytes does not fit a ${codec} channel (at most ${max} bytes)`);
}

function integer(name: string, packed: PackedName, min: number, max: number, read: (m: Views, a: number) => number,
  store: (m: Views, a: number, v: number) => void): Codec<number> {
  const check = (v: unknown): number => {
    if (typeof v !== "number") throw wrongKind(name, v);
    if (!Number.isInteger(v) || v < min || v > max) throw outOfRange(name, v);
    return v === 0 ? 0 : v; // -0 is stored as 0, as an integer slot would
  };
  return register({
    name, packed, size: 4, align: 4, zero: () => 0, check, unpack: (s) => s as number, prepare: check,
    store: (m, a, p) => store(m, a, p as number),
    read,
  });
}

const i32 = integer("i32", "Int32Array", -0x8000_0000, 0x7fff_ffff, (m, a) => m.i32[a >>> 2], (m, a, v) => { m.i32[a >>> 2] = v; });
const u32 = integer("u32", "Uint32Array", 0, 0xffff_ffff, (m, a) => m.u32[a >>> 2], (m, a, v) => { m.u32[a >>> 2] = v; });

const checkF64 = (v: unknown): number => {
  if (typeof v !== "number") throw wrongKind("f64", v);
  return v;
};
const f64: Codec<number> = register({
  name: "f64", packed: "Float64Array", size: 8, align: 8, zero: () => 0, check: checkF64, unpack: (s) => s as number, prepare: checkF64,
  store(m, a, p) { m.f64[a >>> 3] = p as number; },
  read: (m, a) => m.f64[a >>> 3],
});

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const checkI64 = (v: unknown): bigint => {
  if (typeof v !== "bigint") throw wrongKind("i64", v);
  if (v < I64_MIN || v > I64_MAX) throw outOfRange("i64", v);
  return v;
};
const i64: Codec<bigint> = register({
  name: "i64", packed: "BigInt64Array", size: 8, align: 8, zero: () => 0n, check: checkI64, unpack: (s) => s as bigint, prepare: checkI64,
  store(m, a, p) { m.i64[a >>> 3] = p as bigint; },
  read: (m, a) => m.i64[a >>> 3],
});

const checkBool = (v: unknown): boolean => {
  if (typeof v !== "boolean") throw wrongKind("bool", v);
  return v;
};
const bool: Codec<boolean> = register({
  name: "bool", size: 1, align: 1, zero: () => false, check: checkBool, unpack: (s) => s as boolean, prepare: checkBool,
  store(m, a, p) { m.u8[a] = p === true ? 1 : 0; },
  read: (m, a) => m.u8[a] !== 0,
});

function maxLength(kind: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0 || n > MAX_VALUE_BYTES) {
    throw new RangeError(`wasmchan: codecs.${kind}(n) needs an integer 0 <= n <= ${MAX_VALUE_BYTES}, got ${describe(n)}`);
  }
  return n;
}

/** Slot size of a variable-length codec: the u32 length and `max` bytes, rounded up to 8 so that
 *  slot j of a ring or batch keeps its length word aligned. */
function varSize(max: number): number {
  return (4 + max + 7) & ~7;
}

/** The length word of the slot at `a`, clamped to `max`: a corrupt slot never reads past itself. */
function lengthAt(m: Views, a: number, max: number): number {
  const len = m.u32[a >>> 2];
  return len > max ? max : len;
}

function bytes(maxLen: number): Codec<Uint8Array> {
  const max = maxLength("bytes", maxLen);
  const name = `bytes(${max})`;
  const prepare = (v: unknown): Uint8Array => {
    if (!isUint8Array(v)) throw wrongKind(name, v);
    const n = byteLength(v);
    if (n > max) throw tooLong(name, "a Uint8Array", n, max);
    return v;
  };
  return register({
    name, size: varSize(max), align: 8, zero: () => new Uint8Array(0),
    check: (v) => new Uint8Array(prepare(v)), // the constructor copies through internal slots
    snap(p) {
      const n = byteLength(p as Uint8Array); // measured again: a resizable buffer may have grown since prepare
      if (n > max) throw tooLong(name, "a Uint8Array", n, max);
      return new Uint8Array(p as Uint8Array);
    },
    unpack: (s) => s as Uint8Array, // the snapshot is the channel's alone and read once: it becomes the receiver's
    prepare,
    store(m, a, p) {
      const b = p as Uint8Array;
      // Measured again here: a resizable buffer may have grown since prepare.
      const n = byteLength(b);
      if (n > max) throw tooLong(name, "a Uint8Array", n, max);
      m.u32[a >>> 2] = n;
      u8Set.call(m.u8, b, a + 4);
    },
    read: (m, a) => {
      const len = lengthAt(m, a, max);
      return m.u8.slice(a + 4, a + 4 + len); // slice: the receiver's own (unshared) copy
    },
  });
}

/** UTF-8 encodes `s` into the slot at `a` if it fits in `max` bytes; false (slot unchanged but for
 *  its payload bytes) when it does not. `s` is a primitive string: no user code runs. */
function storeUtf8(m: Views, a: number, s: string, max: number): boolean {
  if (!m.shared) {
    // encodeInto writes only within the slot's payload; a partial write is reported as too long.
    const r = enc.encodeInto(s, m.u8.subarray(a + 4, a + 4 + max));
    if (r.read < s.length) return false;
    m.u32[a >>> 2] = r.written;
    return true;
  }
  // Browsers refuse to encode into shared memory: go through an ordinary buffer.
  const b = enc.encode(s);
  if (b.length > max) return false;
  m.u32[a >>> 2] = b.length;
  m.u8.set(b, a + 4);
  return true;
}

function readUtf8(m: Views, a: number, max: number): string {
  const len = lengthAt(m, a, max);
  if (len === 0) return "";
  const v = m.shared ? m.u8.slice(a + 4, a + 4 + len) : m.u8.subarray(a + 4, a + 4 + len);
  return dec.decode(v);
}

function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 ? 1 : 2; // surrogate pairs: 2 + 2 = 4 bytes
  }
  return n;
}

/** `s` as it comes back from UTF-8 (lone surrogates become U+FFFD); `s` itself when it has no surrogate. */
function utf8Text(s: string): string {
  return /[\ud800-\udfff]/.test(s) ? dec.decode(enc.encode(s)) : s;
}

/** The UTF-8 length of `s` if it is over `max` (exact), else 0 (it fits). */
function overflow(s: string, max: number): number {
  if (utf8Length(s) <= max) return 0;
  const n = enc.encode(s).length;
  return n > max ? n : 0;
}

function string(maxBytes: number): Codec<string> {
  const max = maxLength("string", maxBytes);
  const name = `string(${max})`;
  const prepare = (v: unknown): string => {
    if (typeof v !== "string") throw wrongKind(name, v);
    const n = overflow(v, max);
    if (n !== 0) throw tooLong(name, "a string", n, max);
    return v;
  };
  return register({
    name, size: varSize(max), align: 8, zero: () => "",
    // Stored as the text a UTF-8 slot gives back: a lone surrogate becomes U+FFFD, as in the Wasm core.
    check: (v) => utf8Text(prepare(v)), snap: (p) => utf8Text(p as string), unpack: (s) => s as string,
    prepare,
    store(m, a, p) {
      if (!storeUtf8(m, a, p as string, max)) throw tooLong(name, "a string", enc.encode(p as string).length, max);
    },
    read: (m, a) => readUtf8(m, a, max),
  });
}

/** The JSON text of `v` (this runs the value's toJSON and getters: user code). */
function toJson(name: string, v: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch (e) {
    throw new TypeError(`wasmchan: ${name} channel cannot carry this value: ${(e as Error).message}`);
  }
  if (text === undefined) throw wrongKind(name, v);
  return text;
}

function json<T = unknown>(maxBytes: number): Codec<T> {
  const max = maxLength("json", maxBytes);
  const name = `json(${max})`;
  const prepare = (v: unknown): string => {
    const text = toJson(name, v);
    const n = overflow(text, max);
    if (n !== 0) throw tooLong(name, `${describe(v)} as JSON`, n, max);
    return text;
  };
  return register<T>({
    name, size: varSize(max), align: 8, zero: () => null as T,
    check: prepare,
    unpack: (s) => JSON.parse(s as string) as T,
    prepare,
    store(m, a, p) {
      if (!storeUtf8(m, a, p as string, max)) throw tooLong(name, "a JSON text", enc.encode(p as string).length, max);
    },
    // A JSON text is never empty, so length 0 is the zero value.
    read: (m, a) => {
      const text = readUtf8(m, a, max);
      return (text === "" ? null : JSON.parse(text)) as T;
    },
  });
}

function struct<F extends Record<string, FieldType>>(fields: F): Codec<StructOf<F>> {
  return register(structOf(fields, { i32, u32, f64, i64, bool } as Record<FieldType, Codec<unknown>>)) as unknown as Codec<StructOf<F>>;
}

/** @internal `tagged(inner)`: a u32 id beside a value of `inner` (wasmchan/pool's tasks and results). */
export function tagged<T>(inner: Codec<T>): Codec<Tagged<T>> {
  return register(taggedOf(inner as Codec<unknown>)) as unknown as Codec<Tagged<T>>;
}

/**
 * The value types a channel can have: `chan(n, codecs.i32)`, `heap.chan(n, codecs.bytes(64))`. A
 * typed channel checks every value it is given (TypeError/RangeError, nothing sent) and hands each
 * receiver its own copy; a shared channel needs one, since its values live as bytes in shared memory.
 * Without a codec a local channel carries any JS value by reference.
 */
export const codecs: {
  /** 32-bit signed integers (`number`; -2^31 .. 2^31-1, no fractions). Zero value 0. */
  i32: Codec<number>;
  /** 32-bit unsigned integers (`number`; 0 .. 2^32-1). Zero value 0. */
  u32: Codec<number>;
  /** 64-bit floats: any `number`, NaN and -0 kept. Zero value 0. */
  f64: Codec<number>;
  /** 64-bit signed integers as `bigint`. Zero value 0n. */
  i64: Codec<bigint>;
  /** `boolean`. Zero value false. */
  bool: Codec<boolean>;
  /** `bytes(n)`: a Uint8Array (or Buffer) of at most `n` bytes, copied in and out. Zero value: an
   *  empty Uint8Array. */
  bytes(maxLen: number): Codec<Uint8Array>;
  /** `string(n)`: a string whose UTF-8 encoding has at most `n` bytes. Zero value "". */
  string(maxBytes: number): Codec<string>;
  /** `json<T>(n)`: any value `JSON.stringify` accepts whose JSON text has at most `n` bytes; a receiver
   *  gets `JSON.parse` of it (typed as `T`). Zero value null. */
  json<T = unknown>(maxBytes: number): Codec<T>;
  /** `struct({ id: "u32", x: "f64", ok: "bool" })`: an object with these fields ("i32", "u32", "f64",
   *  "i64", "bool"; 1 to 64), each checked as its codec checks it, in one fixed-size slot — a result and
   *  the id of its task in one value. A receiver gets a new plain object. Zero value: every field's zero. */
  struct<F extends Record<string, FieldType>>(fields: F): Codec<StructOf<F>>;
} = { i32, u32, f64, i64, bool, bytes, string, json, struct };

/** True for an object made by `codecs`: a user's own object is refused, since the core trusts `size`. */
export function isCodec(c: unknown): c is Codec {
  return made.has(c as Codec);
}

/** The codec a name from `codec.name` stands for ("i32", "bytes(16)", ...), or undefined. */
export function codecFromName(name: unknown): Codec | undefined {
  if (typeof name !== "string") return undefined;
  if (name === "i32" || name === "u32" || name === "f64" || name === "i64" || name === "bool") return codecs[name] as Codec;
  const t = /^tagged\((.+)\)$/.exec(name);
  if (t !== null) {
    const inner = codecFromName(t[1]);
    return inner === undefined ? undefined : (tagged(inner) as Codec);
  }
  const fields = structFields(name);
  if (fields !== undefined) {
    try {
      return struct(fields as Record<string, FieldType>) as Codec;
    } catch {
      return undefined;
    }
  }
  const m = /^(bytes|string|json)\((\d{1,10})\)$/.exec(name);
  if (m === null) return undefined;
  const n = Number(m[2]);
  if (n > MAX_VALUE_BYTES) return undefined;
  return codecs[m[1] as "bytes" | "string" | "json"](n) as Codec;
}
