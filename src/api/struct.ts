// struct: the record codec, `codecs.struct({ id: "u32", x: "f64" })` — fixed fields of the scalar codecs
// in one slot, so a worker's result travels with the id of its task. codecs.ts registers what `structOf`
// lays out, and `register` asserts the slot contract as for every codec.
//
// Layout: fields by alignment, 8-byte ones first, then 4, then 1 (declaration order within each), so
// each field's offset is a multiple of its alignment and no padding sits between fields; the slot's
// alignment is its largest field's, its size the end rounded up to that. Every field lies inside the
// slot: store and read touch [addr, addr + size) only, whatever they are given. The size is then
// rounded up to one the core takes (1, 2, 4 or a multiple of 8; the padding is never read).
// The name lists the fields in declaration order (`struct{id:u32,x:f64}`): two ends of a shared channel
// or of a NATS subject agree on a struct when they agree on its name.
import type { Codec, Views } from "./codecs.js";
import { describe } from "./errors.js";

/** The scalar types a struct's fields may have. */
export type FieldType = "i32" | "u32" | "f64" | "i64" | "bool";
/** The JS type of a field of type `K`. */
export type FieldValue<K extends FieldType> = K extends "i64" ? bigint : K extends "bool" ? boolean : number;
/** The values of `codecs.struct(fields)`: an object with each field. */
export type StructOf<F extends Record<string, FieldType>> = { [K in keyof F]: FieldValue<F[K]> };

/** Most fields a struct may have. */
export const MAX_FIELDS = 64;
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;

type Scalars = Record<FieldType, Codec<unknown>>;
type Spec = Omit<Codec<Record<string, unknown>>, "write" | "tag" | "snap">;

/** Reads and checks `fields` (each key a field name, each value a FieldType), then lays the struct out:
 *  what codecs.ts registers. TypeError/RangeError for fields that cannot make a struct. */
export function structOf(fields: unknown, scalars: Scalars): Spec {
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
    throw new TypeError(`wasmchan: codecs.struct(fields) takes an object of field types ({ id: "u32", x: "f64" }), not ${describe(fields)}`);
  }
  const keys = Object.keys(fields);
  if (keys.length === 0 || keys.length > MAX_FIELDS) throw new RangeError(`wasmchan: codecs.struct(fields) needs 1 to ${MAX_FIELDS} fields, got ${keys.length}`);
  const types: FieldType[] = [];
  for (const k of keys) {
    if (!IDENT.test(k) || k === "__proto__") throw new TypeError(`wasmchan: codecs.struct: a field name is an identifier of at most 64 characters (not __proto__), not ${describe(k)}`);
    const t = (fields as Record<string, unknown>)[k];
    if (typeof t !== "string" || !Object.hasOwn(scalars, t)) {
      throw new TypeError(`wasmchan: codecs.struct: field ${k} has type ${describe(t)}; a field is one of "i32", "u32", "f64", "i64", "bool"`);
    }
    types.push(t as FieldType);
  }
  const n = keys.length;
  const codecsOf = types.map((t) => scalars[t]);
  // Offsets: 8-byte fields, then 4, then 1; declaration order within each.
  const offsets = new Array<number>(n);
  let end = 0;
  for (const align of [8, 4, 1]) {
    for (let i = 0; i < n; i++) {
      if (codecsOf[i].align !== align) continue;
      offsets[i] = end;
      end += codecsOf[i].size;
    }
  }
  const align = Math.max(...codecsOf.map((c) => c.align)) as 1 | 4 | 8;
  // The core's slot sizes are 1, 2, 4 or a multiple of 8 (codecs.ts, register): three bools take 4.
  const size = end <= 2 ? end : end <= 4 ? 4 : Math.ceil(end / 8) * 8;
  const name = `struct{${keys.map((k, i) => `${k}:${types[i]}`).join(",")}}`;

  const object = (values: readonly unknown[]): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) o[keys[i]] = values[i];
    return o;
  };
  const prepare = (v: unknown): unknown[] => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new TypeError(`wasmchan: ${name} channel cannot carry ${describe(v)}`);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const x = (v as Record<string, unknown>)[keys[i]]; // read once: a getter is user code
      try {
        out[i] = codecsOf[i].prepare(x);
      } catch (e) {
        const E = e instanceof RangeError ? RangeError : TypeError;
        throw new E(`wasmchan: field ${keys[i]} of a ${name} channel: ${(e as Error).message.replace(/^wasmchan: /, "")}`);
      }
    }
    return out; // a snapshot of primitives: the caller may change its object at once
  };
  return {
    name, size, align,
    zero: () => object(codecsOf.map((c) => c.zero())),
    check: prepare,
    unpack: (s) => object(s as unknown[]),
    prepare,
    store(m: Views, a: number, p: unknown) {
      const vs = p as unknown[];
      for (let i = 0; i < n; i++) codecsOf[i].store(m, a + offsets[i], vs[i]);
    },
    read(m: Views, a: number) {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) o[keys[i]] = codecsOf[i].read(m, a + offsets[i]);
      return o;
    },
  };
}

/** The fields a struct codec's name stands for (`struct{id:u32,x:f64}` → { id: "u32", x: "f64" }), or
 *  undefined if it is not a struct's name. */
export function structFields(name: string): Record<string, string> | undefined {
  const m = /^struct\{(.{1,8000})\}$/.exec(name);
  if (m === null) return undefined;
  const fields: Record<string, string> = {};
  for (const part of m[1].split(",")) {
    const kv = /^([A-Za-z_$][A-Za-z0-9_$]*):([a-z0-9]+)$/.exec(part);
    if (kv === null || kv[1] === "__proto__" || Object.hasOwn(fields, kv[1])) return undefined;
    fields[kv[1]] = kv[2];
  }
  return fields;
}
