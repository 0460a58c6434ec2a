// wasmchan/nats's wire format, no server needed: every codec's values, alone and in batches, at their
// limits, come back as they went; a message that is not whole values of the codec (truncated, padded,
// a length word past the codec's n, another codec's bytes) is refused with a ChannelError, never read.
import { describe, expect, it } from "vitest";
import { ChannelError, codecs, type Codec } from "wasmchan";
// @ts-expect-error internal module of the build, no published types
import { wireOf } from "../dist/nats/wire.js";

const cases: [string, Codec<any>, unknown[]][] = [
  ["i32", codecs.i32, [0, 1, -1, 2 ** 31 - 1, -(2 ** 31)]],
  ["u32", codecs.u32, [0, 1, 2 ** 32 - 1]],
  ["f64", codecs.f64, [0, -0, 1.5, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity]],
  ["i64", codecs.i64, [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]],
  ["bool", codecs.bool, [true, false]],
  ["bytes(5)", codecs.bytes(5), [new Uint8Array(0), new Uint8Array([1]), new Uint8Array([1, 2, 3, 4, 255])]],
  ["string(5)", codecs.string(5), ["", "a", "héllo".slice(0, 4), "abcde"]],
  ["json(16)", codecs.json(16), [null, 0, "x", [1, 2], { a: 1 }]],
];

describe.each(cases)("wire of %s", (_, codec, values) => {
  const wire = wireOf(codec);

  it("one value per message and a batch of all of them come back equal, in order", () => {
    for (const v of values) expect(wire.decode(wire.encode([v]))).toEqual([v]);
    expect(wire.decode(wire.encode(values))).toEqual(values);
    if (codec.name === "f64") expect(Object.is(wire.decode(wire.encode([-0]))[0], -0)).toBe(true);
  });

  it("refuses what is not whole values of this codec", () => {
    const one = wire.encode([values[values.length - 1]]);
    const bad = [
      new Uint8Array(0),
      one.subarray(0, one.length - 1), //                        truncated
    ];
    if (codec.size > 1) bad.push(new Uint8Array([...one, 0])); // a stray byte after it (for bool: another value)
    // A length that is no whole number of values (every length is, for the 1-byte bool).
    if (codec.size > 1) bad.push(new Uint8Array(codec.size + 1).fill(255));
    const lengthPastN = new Uint8Array(4 + 8);
    new DataView(lengthPastN.buffer).setUint32(0, 8, true); // a length word of 8 for a codec of n = 5 or 16
    for (const b of bad) {
      expect(() => wire.decode(b), `${codec.name}: ${b.length} bytes`).toThrow(ChannelError);
    }
    if (codec.name === "bytes(5)" || codec.name === "string(5)") expect(() => wire.decode(lengthPastN)).toThrow(/is not .* values/);
  });
});

it("a json message whose text is not JSON is refused by decode's caller as undecodable (the receiver terminates it)", () => {
  const wire = wireOf(codecs.json(16));
  const text = new TextEncoder().encode("{nope");
  const b = new Uint8Array(4 + text.length);
  new DataView(b.buffer).setUint32(0, text.length, true);
  b.set(text, 4);
  expect(() => wire.decode(b)).toThrow(SyntaxError);
});
