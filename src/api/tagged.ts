// tagged: an internal codec, a u32 id beside a value of another codec — how wasmchan/pool pairs a task
// with its result through channels of the user's codecs. Layout: the id at 0, the value at 8 (every
// codec's alignment divides 8); the slot padded to a size the core takes. Named `tagged(<inner>)`, so a
// worker that attaches the channel rebuilds it from the name, as for every codec.
import type { Codec, Views } from "./codecs.js";
import { describe } from "./errors.js";

/** A value of a tagged channel. */
export interface Tagged<T> {
  id: number;
  value: T;
}

type Spec = Omit<Codec<Tagged<unknown>>, "write" | "tag">;

export function taggedOf(inner: Codec<unknown>): Spec {
  const name = `tagged(${inner.name})`;
  const end = 8 + inner.size;
  const size = Math.ceil(end / 8) * 8;
  const id = (v: unknown): number => {
    const x = typeof v === "object" && v !== null ? (v as { id?: unknown }).id : undefined;
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 0xffff_ffff) throw new TypeError(`wasmchan: ${name} channel cannot carry ${describe(v)}`);
    return x;
  };
  const valueOf = (v: unknown): unknown => (v as { value?: unknown }).value;
  return {
    name, size, align: 8,
    zero: () => ({ id: 0, value: inner.zero() }),
    check: (v) => [id(v), inner.check(valueOf(v))],
    prepare: (v) => [id(v), inner.prepare(valueOf(v))],
    snap: (p) => [(p as unknown[])[0], inner.snap((p as unknown[])[1])],
    unpack: (s) => ({ id: (s as unknown[])[0] as number, value: inner.unpack((s as unknown[])[1]) }),
    store(m: Views, a: number, p: unknown) {
      inner.store(m, a + 8, (p as unknown[])[1]); // may throw (a value that grew): nothing else written yet
      m.u32[a >>> 2] = (p as unknown[])[0] as number;
    },
    read: (m: Views, a: number) => ({ id: m.u32[a >>> 2], value: inner.read(m, a + 8) }),
  };
}
