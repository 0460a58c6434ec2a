// arrays: typed arrays as callers hand them in — batches of numbers (`sendMany(Int32Array)`,
// `recvManyInto(view)`) and the bytes of `bytes(n)` values.
//
// A typed array answers `length`, `buffer` and `instanceof` through properties its owner can redefine
// (a subclass, an own getter); the intrinsic getters read the internal slots instead, so a value cannot
// lie about what it is or how long it is, and reading them runs no user code. A batch works on a
// `Packed`: a plain view (its prototype the intrinsic one) over the caller's memory, made from those
// internal slots, whose `length`, `subarray` and `set` are the engine's own.

const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const getter = (key: PropertyKey) => Object.getOwnPropertyDescriptor(TypedArrayProto, key)!.get!;
const tagOf = getter(Symbol.toStringTag) as (this: unknown) => string | undefined;
const lengthOf = getter("length") as (this: ArrayBufferView) => number;
const bufferOf = getter("buffer") as (this: ArrayBufferView) => ArrayBufferLike;
const offsetOf = getter("byteOffset") as (this: ArrayBufferView) => number;

/** The typed arrays a numeric codec's slots are laid out as, element for element. */
export type Packed = Int32Array | Uint32Array | Float64Array | BigInt64Array;
/** Which Packed a numeric codec's batches come in and go out as (Codec.packed). */
export type PackedName = "Int32Array" | "Uint32Array" | "Float64Array" | "BigInt64Array";

const packedKinds: Record<PackedName, new (b: ArrayBufferLike, offset: number, length: number) => Packed> = {
  Int32Array, Uint32Array, Float64Array, BigInt64Array,
};

/** The typed arrays whose elements a channel of T may be sent from (each element checked by the codec). */
export type NumberArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array
  | Uint32Array | Float32Array | Float64Array;
/** `sendMany`'s argument besides an array: a typed array of T's (numbers or bigints). */
export type TypedArrayOf<T> = T extends number ? NumberArray : T extends bigint ? BigInt64Array | BigUint64Array : never;
/** `recvManyInto`'s view: the typed array of a numeric codec (Int32Array for i32, Uint32Array for u32,
 *  Float64Array for f64, BigInt64Array for i64). */
export type ViewOf<T> = T extends number ? Int32Array | Uint32Array | Float64Array : T extends bigint ? BigInt64Array : never;

/** The kind of a real typed array ("Int32Array", ...), whatever its own properties say; undefined for
 *  anything else (a DataView, a Proxy, an array). */
export function typedArrayName(v: unknown): string | undefined {
  return typeof v === "object" && v !== null ? tagOf.call(v) : undefined;
}

/** True for a real Uint8Array (a Buffer too), whatever its own properties say. */
export function isUint8Array(v: unknown): v is Uint8Array {
  return typedArrayName(v) === "Uint8Array";
}

/** The true length of a real typed array (0 once its buffer is detached, or shrunk below it). */
export function lengthOfView(v: ArrayBufferView): number {
  return lengthOf.call(v);
}

/** A plain view of `kind` over the same memory as the real typed array `v` (of that kind): no copy,
 *  no user code, and its length fixed at what `v` has now. */
export function packedView(v: ArrayBufferView, kind: PackedName): Packed {
  return new packedKinds[kind](bufferOf.call(v), offsetOf.call(v), lengthOf.call(v));
}

/** A copy of `p[from...]` in memory of its own (what a batch that has to wait keeps of the caller's). */
export function copyFrom(p: Packed, from: number): Packed {
  const kind = tagOf.call(p) as PackedName;
  const out = new packedKinds[kind](new ArrayBuffer((p.length - from) * p.BYTES_PER_ELEMENT), 0, p.length - from);
  (out as Int32Array).set(p.subarray(from) as Int32Array);
  return out;
}
