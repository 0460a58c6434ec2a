// wire: a value on the wire is its codec's own slot encoding, so a typed channel on one host and one
// on another agree byte for byte: fixed-size codecs (i32, u32, f64, i64, bool) send their `size`
// bytes; variable ones (bytes(n), string(n), json(n)) send their slot's used part, the u32 length
// then the payload. A receiver checks the length against its codec before it reads anything.
import { type Codec, type Views } from "../api/codecs.js";
import { ChannelError } from "../api/errors.js";

const VARIABLE = /^(bytes|string|json)\(\d+\)$/;

/** Encoder and decoder of one codec's values, over a scratch slot of its own (one thread). */
export interface Wire<T> {
  encode(v: T): Uint8Array;
  decode(b: Uint8Array): T;
}

function viewsOver(buf: ArrayBuffer): Views {
  return {
    shared: false, u8: new Uint8Array(buf), i32: new Int32Array(buf), u32: new Uint32Array(buf),
    f64: new Float64Array(buf), i64: new BigInt64Array(buf),
  };
}

export function wireOf<T>(codec: Codec<T>): Wire<T> {
  const variable = VARIABLE.test(codec.name);
  const slot = (codec.size + 7) & ~7;
  const m = viewsOver(new ArrayBuffer(slot));
  return {
    encode(v) {
      m.u8.fill(0);
      codec.write(m, 0, v);
      const n = variable ? 4 + m.u32[0] : codec.size;
      return m.u8.slice(0, n);
    },
    decode(b) {
      const ok = variable ? b.length >= 4 && b.length <= codec.size && 4 + new DataView(b.buffer, b.byteOffset, b.length).getUint32(0, true) === b.length : b.length === codec.size;
      if (!ok) throw new ChannelError(`wasmchan/nats: a message of ${b.length} bytes is not a ${codec.name} value (another codec or another publisher on this subject?)`);
      m.u8.fill(0);
      m.u8.set(b);
      return codec.read(m, 0);
    },
  };
}
