// API.md §1 (typed channels) with every codec of §3: round trips of edge values through every
// path a value can take (buffer, handoff to a parked receiver, parked sender, try ops), zero
// values after close, receivers' own copies of bytes, and bad values rejected synchronously
// before anything is enqueued, leaving the channel exactly as it was.
import { describe, expect, it } from "vitest";
import { cores } from "./cores";
import { macrotask, thrown, track, turns } from "./util";

/** Bytes of `s` in UTF-8: what string(n) and json(n) limits count. */
const utf8 = (s: string) => new TextEncoder().encode(s).length;

describe.each(cores.map((c) => [c.name, c.lib] as const))("%s core", (_, lib) => {
  const { chan, codecs, stats } = lib;
  // Typed channels are used through a loose type here: the tests feed them wrong values on purpose.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const typed = (cap: number, codec: unknown): any => (chan as any)(cap, { codec });
  const parked = () => {
    const s = stats();
    return { senders: s.parkedSenders, receivers: s.parkedReceivers };
  };

  interface Case {
    name: string;
    codec: () => unknown;
    /** Values that must survive a round trip (compared with `same`). */
    values: unknown[];
    zero: unknown;
    same: (got: unknown, want: unknown) => void;
    /** Wrong kind of value: TypeError. */
    wrongKind: Array<[string, unknown]>;
    /** Right kind, out of range: RangeError. */
    outOfRange: Array<[string, unknown]>;
  }

  const identical = (got: unknown, want: unknown) => expect(got).toBe(want);
  const bytesEqual = (got: unknown, want: unknown) => {
    expect(got).toBeInstanceOf(Uint8Array);
    expect(Array.from(got as Uint8Array)).toEqual(Array.from(want as Uint8Array));
  };
  const deepEqual = (got: unknown, want: unknown) => expect(got).toStrictEqual(want);

  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;

  const cases: Case[] = [
    {
      name: "i32",
      codec: () => codecs.i32,
      values: [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 123456789, -987654321],
      zero: 0,
      same: identical,
      wrongKind: [
        ['"1"', "1"],
        ["1n", 1n],
        ["null", null],
        ["undefined", undefined],
        ["true", true],
        ["{}", {}],
      ],
      outOfRange: [
        ["1.5", 1.5],
        ["2**31", 2 ** 31],
        ["-(2**31)-1", -(2 ** 31) - 1],
        ["NaN", NaN],
        ["Infinity", Infinity],
      ],
    },
    {
      name: "u32",
      codec: () => codecs.u32,
      values: [0, 1, 0xffffffff, 2 ** 31, 2 ** 31 - 1, 0xdeadbeef],
      zero: 0,
      same: identical,
      wrongKind: [
        ['"0"', "0"],
        ["0n", 0n],
        ["null", null],
      ],
      outOfRange: [
        ["-1", -1],
        ["2**32", 2 ** 32],
        ["0.5", 0.5],
      ],
    },
    {
      name: "f64",
      codec: () => codecs.f64,
      values: [0, -0, 1.5, -1e308, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, Number.EPSILON, 2 ** 53 + 2, 0.1],
      zero: 0,
      same: identical,
      wrongKind: [
        ['"1"', "1"],
        ["1n", 1n],
        ["null", null],
        ["undefined", undefined],
        ["{}", {}],
      ],
      outOfRange: [],
    },
    {
      name: "i64",
      codec: () => codecs.i64,
      values: [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 32n + 5n, -(2n ** 40n)],
      zero: 0n,
      same: identical,
      wrongKind: [
        ["1 (a number)", 1],
        ['"1"', "1"],
        ["null", null],
        ["1.5", 1.5],
      ],
      outOfRange: [
        ["2n**63n", 2n ** 63n],
        ["-(2n**63n)-1n", -(2n ** 63n) - 1n],
        ["2n**64n", 2n ** 64n],
      ],
    },
    {
      name: "bool",
      codec: () => codecs.bool,
      values: [true, false, true],
      zero: false,
      same: identical,
      wrongKind: [
        ["0", 0],
        ["1", 1],
        ['"true"', "true"],
        ["null", null],
        ["undefined", undefined],
      ],
      outOfRange: [],
    },
    {
      name: "bytes(8)",
      codec: () => codecs.bytes(8),
      values: [new Uint8Array(0), Uint8Array.of(1), Uint8Array.of(0, 255, 1, 2, 3, 4, 5, 6), new Uint8Array(8), Uint8Array.of(255, 255, 255)],
      zero: new Uint8Array(0),
      same: bytesEqual,
      wrongKind: [
        ['"abcd"', "abcd"],
        ["[1, 2]", [1, 2]],
        ["an ArrayBuffer", new ArrayBuffer(2)],
        ["an Int8Array", new Int8Array(2)],
        ["a DataView", new DataView(new ArrayBuffer(2))],
        ["null", null],
        ["undefined", undefined],
      ],
      outOfRange: [
        ["9 bytes", new Uint8Array(9)],
        ["100 bytes", new Uint8Array(100)],
      ],
    },
    {
      name: "string(12)",
      codec: () => codecs.string(12),
      values: ["", "a", "héllo", "€€€€", "😀😀😀", "a\u0000b", "line\nbreak", "x".repeat(12), "日本語"],
      zero: "",
      same: identical,
      wrongKind: [
        ["12", 12],
        ["null", null],
        ["undefined", undefined],
        ['["a"]', ["a"]],
      ],
      outOfRange: [
        ["13 ASCII bytes", "x".repeat(13)],
        ['"😀😀😀a" (13 UTF-8 bytes, length 7)', "😀😀😀a"],
        ['"ééééééa" (13 UTF-8 bytes, length 7)', "ééééééa"],
        ['"€€€€€" (15 UTF-8 bytes, length 5)', "€€€€€"],
      ],
    },
    {
      name: "json(64)",
      codec: () => codecs.json(64),
      values: [
        { a: [1, { b: "é😀" }], c: null, d: false },
        [[[[1]]], [], {}],
        "a string",
        -1.5,
        0,
        true,
        null,
        { nested: { deeper: { deepest: [1, 2, 3] } } },
      ],
      zero: null,
      same: deepEqual,
      wrongKind: [
        ["undefined", undefined],
        ["a function", () => 1],
        ["a BigInt", 1n],
        ["an object holding a BigInt", { a: 1n }],
        ["a cyclic object", cyclic],
        ["a symbol", Symbol("s")],
      ],
      outOfRange: [
        ["70 ASCII characters", "x".repeat(70)],
        ['"é" x 32 (66 UTF-8 bytes of JSON, 34 characters)', "é".repeat(32)],
        ["an array of 40 numbers", Array.from({ length: 40 }, (_, i) => i)],
      ],
    },
  ];

  describe.each(cases.map((c) => [c.name, c] as const))("codecs.%s", (_, c) => {
    it("round-trips edge values through a buffered channel, in order", async () => {
      const ch = typed(c.values.length, c.codec());
      for (const v of c.values) await ch.send(v);
      expect(ch.len).toBe(c.values.length);
      for (const v of c.values) c.same(await ch.recv(), v);
    });

    it("round-trips edge values by handoff to a parked receiver", async () => {
      const ch = typed(0, c.codec());
      for (const v of c.values) {
        const r = ch.recvOk();
        await ch.send(v);
        const got = await r;
        expect(got.ok).toBe(true);
        c.same(got.value, v);
      }
    });

    it("round-trips edge values from a parked sender (unbuffered)", async () => {
      const ch = typed(0, c.codec());
      for (const v of c.values) {
        const s = track(ch.send(v));
        await turns(0);
        expect(s.state).toBe("pending");
        c.same(await ch.recv(), v);
        await macrotask();
        expect(s.state).toBe("fulfilled");
      }
    });

    it("round-trips edge values from a sender parked on a full buffer", async () => {
      const ch = typed(1, c.codec());
      await ch.send(c.values[0]);
      const sends = c.values.slice(1).map((v) => ch.send(v));
      for (const v of c.values) c.same(await ch.recv(), v);
      await Promise.all(sends);
    });

    it("round-trips edge values with trySend / tryRecv", () => {
      const ch = typed(2, c.codec());
      for (const v of c.values) {
        expect(ch.trySend(v)).toBe(true);
        const r = ch.tryRecv();
        expect(r?.ok).toBe(true);
        c.same(r?.value, v);
      }
      expect(ch.tryRecv()).toBeUndefined();
    });

    it("gives the codec's zero value once closed and drained (recv, recvOk, tryRecv, for await, parked receivers)", async () => {
      const ch = typed(2, c.codec());
      await ch.send(c.values[1]);
      ch.close();
      c.same(await ch.recv(), c.values[1]);
      c.same(await ch.recv(), c.zero);
      const ro = await ch.recvOk();
      expect(ro.ok).toBe(false);
      c.same(ro.value, c.zero);
      const rt = ch.tryRecv();
      expect(rt?.ok).toBe(false);
      c.same(rt?.value, c.zero);
      let n = 0;
      for await (const _ of ch) n++;
      expect(n).toBe(0);

      const un = typed(0, c.codec());
      const r1 = un.recv();
      const r2 = un.recvOk();
      un.close();
      c.same(await r1, c.zero);
      const r2v = await r2;
      expect(r2v.ok).toBe(false);
      c.same(r2v.value, c.zero);
    });

    it("ranges with for await over typed values until close", async () => {
      const ch = typed(0, c.codec());
      const producer = (async () => {
        try {
          for (const v of c.values) await ch.send(v);
        } finally {
          ch.close();
        }
      })();
      const got: unknown[] = [];
      for await (const v of ch) got.push(v);
      await producer;
      expect(got).toHaveLength(c.values.length);
      got.forEach((g, i) => c.same(g, c.values[i]));
    });

    const bad = [
      ...c.wrongKind.map(([label, v]) => [label, v, TypeError] as const),
      ...c.outOfRange.map(([label, v]) => [label, v, RangeError] as const),
    ];
    if (bad.length > 0) {
      describe.each(bad)("bad value %s", (_, v, Err) => {
        it(`send and trySend throw ${Err.name} synchronously; buffered values and order are intact`, async () => {
          const base = parked();
          const ch = typed(3, c.codec());
          await ch.send(c.values[0]);
          await ch.send(c.values[1]);
          expect(() => ch.send(v)).toThrow(Err);
          expect(() => ch.trySend(v)).toThrow(Err);
          expect(ch.len).toBe(2);
          expect(parked()).toEqual(base);
          await ch.send(c.values[2]);
          expect(ch.len).toBe(3);
          c.same(await ch.recv(), c.values[0]);
          c.same(await ch.recv(), c.values[1]);
          c.same(await ch.recv(), c.values[2]);
          expect(ch.tryRecv()).toBeUndefined();
        });

        it("a parked receiver is not woken by it and still gets the next good value", async () => {
          const ch = typed(0, c.codec());
          const r = track(ch.recvOk());
          const base = parked();
          expect(() => ch.send(v)).toThrow(Err);
          expect(() => ch.trySend(v)).toThrow(Err);
          expect(parked()).toEqual(base);
          await turns(1);
          expect(r.state).toBe("pending");
          await ch.send(c.values[1]);
          await macrotask();
          expect(r.state).toBe("fulfilled");
          const got = r.value as { value: unknown; ok: boolean };
          expect(got.ok).toBe(true);
          c.same(got.value, c.values[1]);
        });

        it("on a full channel it throws instead of parking a sender", async () => {
          const ch = typed(1, c.codec());
          await ch.send(c.values[0]);
          const base = parked();
          expect(() => ch.send(v)).toThrow(Err);
          expect(parked()).toEqual(base);
          expect(ch.len).toBe(1);
          c.same(await ch.recv(), c.values[0]);
          expect(ch.tryRecv()).toBeUndefined();
        });
      });
    }
  });

  describe("limits count UTF-8 bytes, inclusive", () => {
    it("string(n) accepts exactly n UTF-8 bytes and refuses n+1, whatever the string's length", async () => {
      const ch = typed(8, codecs.string(4));
      for (const ok of ["abcd", "😀", "éé", "€a", ""]) {
        expect(utf8(ok)).toBeLessThanOrEqual(4);
        expect(ch.trySend(ok)).toBe(true);
        expect(ch.tryRecv()?.value).toBe(ok);
      }
      for (const tooBig of ["abcde", "😀a", "ééa", "€€"]) {
        expect(utf8(tooBig)).toBeGreaterThan(4);
        expect(() => ch.trySend(tooBig), tooBig).toThrow(RangeError);
      }
      expect(ch.len).toBe(0);
    });

    it("bytes(0) and string(0) carry only empty values", async () => {
      const b = typed(1, codecs.bytes(0));
      expect(b.trySend(new Uint8Array(0))).toBe(true);
      expect(() => b.trySend(Uint8Array.of(1))).toThrow(RangeError);
      const got = b.tryRecv();
      expect(got.ok).toBe(true);
      expect(got.value).toBeInstanceOf(Uint8Array);
      expect(got.value.length).toBe(0);
      const s = typed(1, codecs.string(0));
      expect(s.trySend("")).toBe(true);
      expect(() => s.trySend("a")).toThrow(RangeError);
      expect(s.tryRecv()).toEqual({ value: "", ok: true });
    });

    it("string(n) carries text as UTF-8: a lone surrogate (3 bytes as U+FFFD) arrives as U+FFFD", async () => {
      const utf8RoundTrip = (s: string) => new TextDecoder().decode(new TextEncoder().encode(s));
      const ch = typed(2, codecs.string(6));
      for (const s of ["\ud800", "a\udc00b"]) {
        expect(ch.trySend(s)).toBe(true);
        expect(ch.tryRecv()?.value).toBe(utf8RoundTrip(s));
      }
      expect(utf8("\ud800\ud800\ud800")).toBe(9);
      expect(() => ch.trySend("\ud800\ud800\ud800")).toThrow(RangeError);
    });

    it("bytes(n) accepts exactly n bytes, and only the bytes a subarray view covers", async () => {
      const ch = typed(2, codecs.bytes(3));
      expect(ch.trySend(Uint8Array.of(1, 2, 3))).toBe(true);
      const view = Uint8Array.of(9, 9, 4, 5, 6, 9).subarray(2, 5);
      expect(ch.trySend(view)).toBe(true);
      expect(Array.from((await ch.recv()) as Uint8Array)).toEqual([1, 2, 3]);
      expect(Array.from((await ch.recv()) as Uint8Array)).toEqual([4, 5, 6]);
      expect(() => ch.trySend(new Uint8Array(4))).toThrow(RangeError);
    });

    it("json(n) counts the UTF-8 bytes of the JSON text", async () => {
      const fits = "é".repeat(7); // JSON "ééééééé" = 2 + 14 = 16 bytes
      const tooBig = "é".repeat(8); // 18 bytes, though only 10 characters of JSON
      expect(utf8(JSON.stringify(fits))).toBe(16);
      expect(JSON.stringify(tooBig).length).toBeLessThanOrEqual(16);
      const ch = typed(1, codecs.json(16));
      expect(() => ch.trySend(tooBig)).toThrow(RangeError);
      expect(ch.trySend(fits)).toBe(true);
      expect(await ch.recv()).toBe(fits);
    });
  });

  describe("a received Uint8Array is the receiver's own copy", () => {
    it("mutating the sent array after a buffered send does not change what is received", async () => {
      const ch = typed(2, codecs.bytes(4));
      const a = Uint8Array.of(1, 2, 3);
      await ch.send(a);
      a[0] = 99;
      const got = (await ch.recv()) as Uint8Array;
      expect(Array.from(got)).toEqual([1, 2, 3]);
      expect(got).not.toBe(a);
    });

    it("the value of a parked sender is taken when send is called", async () => {
      const ch = typed(0, codecs.bytes(4));
      const a = Uint8Array.of(1, 2, 3);
      const s = ch.send(a);
      a[0] = 99;
      a.fill(7);
      expect(Array.from((await ch.recv()) as Uint8Array)).toEqual([1, 2, 3]);
      await s;
    });

    it("a value handed to a parked receiver is a copy too", async () => {
      const ch = typed(0, codecs.bytes(4));
      const r = ch.recv();
      const a = Uint8Array.of(1, 2, 3);
      await ch.send(a);
      a[0] = 99;
      const got = (await r) as Uint8Array;
      expect(got).not.toBe(a);
      expect(Array.from(got)).toEqual([1, 2, 3]);
    });

    it("two receivers of the same array get two independent copies", async () => {
      const ch = typed(2, codecs.bytes(4));
      const a = Uint8Array.of(5, 6, 7, 8);
      await ch.send(a);
      await ch.send(a);
      const x = (await ch.recv()) as Uint8Array;
      const y = (await ch.recv()) as Uint8Array;
      expect(x).not.toBe(y);
      x[0] = 0;
      expect(Array.from(y)).toEqual([5, 6, 7, 8]);
      y[3] = 0;
      expect(Array.from(x)).toEqual([0, 6, 7, 8]);
    });

    it("a received array is not a view of the channel's storage: later traffic does not change it", async () => {
      const ch = typed(1, codecs.bytes(4));
      await ch.send(Uint8Array.of(1, 1, 1, 1));
      const first = (await ch.recv()) as Uint8Array;
      for (let i = 2; i < 10; i++) {
        await ch.send(Uint8Array.of(i, i, i, i));
        await ch.recv();
      }
      expect(Array.from(first)).toEqual([1, 1, 1, 1]);
      expect(first.length).toBe(4);
    });

    it("zero values are fresh empty arrays", async () => {
      const ch = typed(0, codecs.bytes(4));
      ch.close();
      const a = (await ch.recv()) as Uint8Array;
      const b = (await ch.recv()) as Uint8Array;
      expect(a).toBeInstanceOf(Uint8Array);
      expect(a.length).toBe(0);
      expect(b.length).toBe(0);
    });
  });

  describe("typed channels behave like the others", () => {
    it("len and cap", async () => {
      const ch = typed(4, codecs.f64);
      expect(ch.cap).toBe(4);
      await ch.send(1.5);
      await ch.send(2.5);
      expect(ch.len).toBe(2);
    });

    it("close rejects parked senders with ChannelError('send on closed channel') and they never deliver", async () => {
      const ch = typed(0, codecs.i32);
      const s = track(ch.send(1));
      ch.close();
      await macrotask();
      expect(s.state).toBe("rejected");
      expect(s.reason).toBeInstanceOf(lib.ChannelError);
      expect((s.reason as Error).message).toBe("send on closed channel");
      expect(await ch.recv()).toBe(0);
    });

    it("json values arrive as copies (deep-equal, not identical)", async () => {
      const ch = typed(1, codecs.json(64));
      const v = { a: [1, 2] };
      await ch.send(v);
      v.a.push(3);
      const got = await ch.recv();
      expect(got).toStrictEqual({ a: [1, 2] });
      expect(got).not.toBe(v);
    });

    it("thrown() sanity: bad values never half-write (stress: alternate good and bad sends)", async () => {
      const ch = typed(8, codecs.string(4));
      const want: string[] = [];
      for (let i = 0; i < 8; i++) {
        const good = String(i);
        expect(thrown(() => ch.trySend("toolong" + i))).toBeInstanceOf(RangeError);
        expect(ch.trySend(good)).toBe(true);
        want.push(good);
      }
      const got: string[] = [];
      for (let i = 0; i < 8; i++) got.push((await ch.recv()) as string);
      expect(got).toEqual(want);
    });
  });
});
