// wire: a value on the wire is its codec's own slot encoding, so a typed channel on one host and one
// on another agree byte for byte: fixed-size codecs (i32, u32, f64, i64, bool) send their `size`
// bytes; variable ones (bytes(n), string(n), json(n)) send their slot's used part, the u32 length
// then the payload. A message carries one or more values back to back (a batch: as many as the
// sending end had at hand); a receiver checks every length against its codec before it reads.
import { type Codec, type Views } from "../api/codecs.js";
import { ChannelError } from "../api/errors.js";

const VARIABLE = /^(?:bytes|string|json)\((\d+)\)$/;

/** Encoder and decoder of one codec's values, over a scratch slot of its own (one thread). */
export interface Wire<T> {
  /** The encodings of `vs`, back to back. */
  encode(vs: readonly T[]): Uint8Array;
  /** The values of a message; a ChannelError (nothing decoded) unless it is whole values of this codec. */
  decode(b: Uint8Array): T[];
  /** Bytes one value takes at most. */
  readonly max: number;
}

function viewsOver(buf: ArrayBuffer): Views {
  return {
    shared: false, u8: new Uint8Array(buf), i32: new Int32Array(buf), u32: new Uint32Array(buf),
    f64: new Float64Array(buf), i64: new BigInt64Array(buf),
  };
}

export function wireOf<T>(codec: Codec<T>): Wire<T> {
  const m1 = VARIABLE.exec(codec.name);
  const variable = m1 !== null;
  // A variable value's length word may not pass the codec's n (its slot has padding past n: a longer
  // one would be cut short by read, not refused).
  const largest = variable ? 4 + Number(m1[1]) : codec.size;
  const slot = (codec.size + 7) & ~7;
  const m = viewsOver(new ArrayBuffer(slot));
  const bad = (b: Uint8Array) => new ChannelError(`wasmchan/nats: a message of ${b.length} bytes is not ${codec.name} values (another codec or another publisher on this subject?)`);
  return {
    max: codec.size,
    encode(vs) {
      const parts: Uint8Array[] = [];
      let total = 0;
      for (const v of vs) {
        m.u8.fill(0);
        codec.write(m, 0, v);
        const part = m.u8.slice(0, variable ? 4 + m.u32[0] : codec.size);
        parts.push(part);
        total += part.length;
      }
      const out = new Uint8Array(total);
      for (let i = 0, at = 0; i < parts.length; at += parts[i].length, i++) out.set(parts[i], at);
      return out;
    },
    decode(b) {
      const dv = new DataView(b.buffer, b.byteOffset, b.length);
      const spans: [number, number][] = [];
      for (let at = 0; at < b.length; ) {
        const n = variable ? (at + 4 <= b.length ? 4 + dv.getUint32(at, true) : Infinity) : codec.size;
        if (n > largest || at + n > b.length) throw bad(b);
        spans.push([at, n]);
        at += n;
      }
      if (spans.length === 0) throw bad(b);
      return spans.map(([at, n]) => {
        m.u8.fill(0);
        m.u8.set(b.subarray(at, at + n));
        return codec.read(m, 0);
      });
    },
  };
}
