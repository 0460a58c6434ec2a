// codecs: how a typed channel's values are checked, stored in fixed-size slots, and read back.
//
// A codec's `write` validates the whole value before it writes a byte, and throws TypeError (wrong
// kind) or RangeError (right kind, out of range); so a bad value never reaches a channel. The bytes
// written go to a scratch area, never straight into a ring: only the core moves them into channels.
// Every address given to `write`/`read` is 8-aligned (scratch areas and sudog elem areas are).
import { describe } from "./errors.js";

/** Typed-array views over the core's memory; rebuilt whenever the memory grows. */
export interface Views {
  readonly shared: boolean;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly i64: BigInt64Array;
}

export interface Codec<T = unknown> {
  /** "i32", "bytes(16)", ... */
  readonly name: string;
  /** Bytes per slot in the Wasm core. */
  readonly size: number;
  /** Go's zero value for the element type (a fresh one for mutable types). */
  zero(): T;
  /** Throws TypeError/RangeError unless `v` fits; returns the value to store (the pure-TS core
   *  stores it as is): a snapshot where the caller could otherwise mutate it later. */
  check(v: unknown): unknown;
  /** Reads back a value from `check` as a receiver gets it (a receiver's own copy). */
  unpack(stored: unknown): T;
  /** Validates `v` and writes it at `addr`. */
  write(m: Views, addr: number, v: unknown): void;
  /** Reads the value at `addr` (a receiver's own copy). */
  read(m: Views, addr: number): T;
}

const enc = new TextEncoder();
const made = new WeakSet<Codec>();
function register<T>(c: Codec<T>): Codec<T> {
  made.add(c as Codec);
  return c;
}
const dec = new TextDecoder();

function wrongKind(codec: string, v: unknown): TypeError {
  return new TypeError(`wasmchan: ${codec} channel cannot carry ${describe(v)}`);
}

function outOfRange(codec: string, v: unknown): RangeError {
  return new RangeError(`wasmchan: ${describe(v)} is out of range for a ${codec} channel`);
}

function integer(name: string, min: number, max: number, read: (m: Views, a: number) => number,
  write: (m: Views, a: number, v: number) => void): Codec<number> {
  const check = (v: unknown): number => {
    if (typeof v !== "number") throw wrongKind(name, v);
    if (!Number.isInteger(v) || v < min || v > max) throw outOfRange(name, v);
    return v === 0 ? 0 : v; // -0 is stored as 0, as an integer slot would
  };
  return register({
    name, size: 4, zero: () => 0, check, unpack: (s) => s as number,
    write: (m, a, v) => write(m, a, check(v)),
    read,
  });
}

const i32 = integer("i32", -0x8000_0000, 0x7fff_ffff, (m, a) => m.i32[a >>> 2], (m, a, v) => { m.i32[a >>> 2] = v; });
const u32 = integer("u32", 0, 0xffff_ffff, (m, a) => m.u32[a >>> 2], (m, a, v) => { m.u32[a >>> 2] = v; });

const f64: Codec<number> = register({
  name: "f64", size: 8, zero: () => 0,
  check(v) { if (typeof v !== "number") throw wrongKind("f64", v); return v; },
  unpack: (s) => s as number,
  write(m, a, v) { if (typeof v !== "number") throw wrongKind("f64", v); m.f64[a >>> 3] = v; },
  read: (m, a) => m.f64[a >>> 3],
});

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const i64: Codec<bigint> = register({
  name: "i64", size: 8, zero: () => 0n,
  check(v) {
    if (typeof v !== "bigint") throw wrongKind("i64", v);
    if (v < I64_MIN || v > I64_MAX) throw outOfRange("i64", v);
    return v;
  },
  unpack: (s) => s as bigint,
  write(m, a, v) { m.i64[a >>> 3] = i64.check(v) as bigint; },
  read: (m, a) => m.i64[a >>> 3],
});

const bool: Codec<boolean> = register({
  name: "bool", size: 1, zero: () => false,
  check(v) { if (typeof v !== "boolean") throw wrongKind("bool", v); return v; },
  unpack: (s) => s as boolean,
  write(m, a, v) { if (typeof v !== "boolean") throw wrongKind("bool", v); m.u8[a] = v ? 1 : 0; },
  read: (m, a) => m.u8[a] !== 0,
});

function maxLength(kind: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0 || n > 0x7fff_0000) {
    throw new RangeError(`wasmchan: codecs.${kind}(n) needs an integer 0 <= n <= 2147418112, got ${describe(n)}`);
  }
  return n;
}

/** Slot layout shared by the variable-length codecs: a u32 length, then up to `max` bytes. */
function readBytes(m: Views, a: number): Uint8Array {
  const len = m.u32[a >>> 2];
  return m.u8.slice(a + 4, a + 4 + len); // slice: the receiver's own (unshared) copy
}

function writeBytes(m: Views, a: number, b: Uint8Array): void {
  m.u32[a >>> 2] = b.length;
  m.u8.set(b, a + 4);
}

function bytes(maxLen: number): Codec<Uint8Array> {
  const max = maxLength("bytes", maxLen);
  const name = `bytes(${max})`;
  const check = (v: unknown): Uint8Array => {
    if (!(v instanceof Uint8Array)) throw wrongKind(name, v);
    if (v.length > max) throw outOfRange(name, v);
    return v;
  };
  return register({
    name, size: 4 + max, zero: () => new Uint8Array(0),
    check: (v) => check(v).slice(),
    unpack: (s) => (s as Uint8Array).slice(),
    write: (m, a, v) => writeBytes(m, a, check(v)),
    read: readBytes,
  });
}

/** UTF-8 encodes `s` into the slot at `a` if it fits in `max` bytes; false when it does not. */
function writeUtf8(m: Views, a: number, s: string, max: number): boolean {
  if (!m.shared) {
    // encodeInto writes only within the slot; a partial write is harmless (slots passed to codecs
    // are scratch areas, not channel memory) and is reported as too long.
    const r = enc.encodeInto(s, m.u8.subarray(a + 4, a + 4 + max));
    if (r.read < s.length) return false;
    m.u32[a >>> 2] = r.written;
    return true;
  }
  // Browsers refuse to encode into shared memory: go through an ordinary buffer.
  const b = enc.encode(s);
  if (b.length > max) return false;
  writeBytes(m, a, b);
  return true;
}

function readUtf8(m: Views, a: number): string {
  const len = m.u32[a >>> 2];
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

function string(maxBytes: number): Codec<string> {
  const max = maxLength("string", maxBytes);
  const name = `string(${max})`;
  const check = (v: unknown): string => {
    if (typeof v !== "string") throw wrongKind(name, v);
    if (utf8Length(v) > max && enc.encode(v).length > max) throw outOfRange(name, v);
    // What a receiver gets is the UTF-8 round trip: a lone surrogate becomes U+FFFD, as in the Wasm core.
    return v.toWellFormed();
  };
  return register({
    name, size: 4 + max, zero: () => "",
    // Stored as the text a UTF-8 slot gives back: a lone surrogate becomes U+FFFD.
    check: (v) => utf8Text(check(v)), unpack: (s) => s as string,
    write(m, a, v) {
      if (typeof v !== "string") throw wrongKind(name, v);
      if (!writeUtf8(m, a, v, max)) throw outOfRange(name, v);
    },
    read: readUtf8,
  });
}

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

function json(maxBytes: number): Codec<unknown> {
  const max = maxLength("json", maxBytes);
  const name = `json(${max})`;
  return register({
    name, size: 4 + max, zero: () => null,
    check(v) {
      const text = toJson(name, v);
      if (utf8Length(text) > max && enc.encode(text).length > max) throw outOfRange(name, v);
      return text;
    },
    unpack: (s) => JSON.parse(s as string),
    write(m, a, v) {
      if (!writeUtf8(m, a, toJson(name, v), max)) throw outOfRange(name, v);
    },
    // A JSON text is never empty, so length 0 is the zero value.
    read: (m, a) => (m.u32[a >>> 2] === 0 ? null : JSON.parse(readUtf8(m, a))),
  });
}

export const codecs = { i32, u32, f64, i64, bool, bytes, string, json };

/** True for an object made by `codecs`: a user's own object is refused, since the core trusts `size`. */
export function isCodec(c: unknown): c is Codec {
  return made.has(c as Codec);
}

/** The codec a name from `codec.name` stands for ("i32", "bytes(16)", ...), or undefined. */
export function codecFromName(name: unknown): Codec | undefined {
  if (typeof name !== "string") return undefined;
  const fixed = (codecs as Record<string, unknown>)[name];
  if (fixed !== undefined && typeof fixed !== "function") return fixed as Codec;
  const m = /^(bytes|string|json)\((\d{1,10})\)$/.exec(name);
  if (m === null) return undefined;
  const n = Number(m[2]);
  if (n > 0x7fff_0000) return undefined;
  return codecs[m[1] as "bytes" | "string" | "json"](n) as Codec;
}
