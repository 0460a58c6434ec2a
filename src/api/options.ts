// options: the checks of chan()'s second argument, shared by both entries (not re-exported).
import type { ChanOptions } from "./chan.js";
import { type Codec, isCodec } from "./codecs.js";

/** Checks chan()'s second argument: options, or a codec standing for `{ codec }` (the codec
 *  and name are checked by the core's makeChan). */
export function optionsOf<T>(opts: ChanOptions<T> | Codec<T> | undefined): ChanOptions<T> | undefined {
  if (opts === undefined) return undefined;
  if (isCodec(opts)) return { codec: opts as Codec<T> };
  if (opts === null || typeof opts !== "object") {
    throw new TypeError("wasmchan: chan(n, options): the second argument must be a codec (codecs.i32, ...) or an object like { codec, name }");
  }
  // Anything else is an options bag of these keys only: a copy of a codec ({ ...codecs.i32 }), a Proxy
  // of one or one from another copy of wasmchan would otherwise make an untyped channel named "i32".
  for (const k of Object.keys(opts)) {
    if (k !== "codec" && k !== "name") {
      throw new TypeError(`wasmchan: chan(n, options): unknown option "${k}" (options are { codec, name }; a codec must be one of codecs.* itself, not a copy or a Proxy)`);
    }
  }
  return opts as ChanOptions<T>;
}
