// sendMany / recvMany: the semantics of that many single sends and receives, in batches.
import { describe, expect, it } from "vitest";
import { cores } from "./cores";
import { track, turns } from "./util";

describe.each(cores)("$name core: sendMany / recvMany", ({ lib }) => {
  const { chan, codecs, ChannelError } = lib;

  it("sendMany buffers what fits, parks for the rest, and resolves once the last value is sent", async () => {
    const ch = chan<number>(3);
    const p = track(ch.sendMany([1, 2, 3, 4, 5]));
    await turns();
    expect(p.state).toBe("pending");
    expect(ch.len).toBe(3);
    expect(await ch.recvMany(10)).toEqual([1, 2, 3, 4]); // the parked 4th moves into the ring as 1 leaves
    await turns();
    expect(await ch.recvMany(10)).toEqual([5]);
    await p.promise;
    expect(lib.stats().parkedSenders).toBe(0);
  });

  it("sendMany hands values to parked receivers in the order they parked", async () => {
    const ch = chan<string>();
    const r1 = ch.recv(), r2 = ch.recv(), r3 = ch.recvOk();
    await ch.sendMany(["a", "b", "c"]);
    expect([await r1, await r2, await r3]).toEqual(["a", "b", { value: "c", ok: true }]);
  });

  it("checks every value before sending any: a bad one throws and nothing is sent", async () => {
    const ch = chan<number>(4, { codec: codecs.i32 });
    const waiting = track(chan<number>(0, { codec: codecs.i32 }).recv());
    expect(() => ch.sendMany([1, 2, 1.5])).toThrow(RangeError);
    expect(() => ch.sendMany([1, "x" as unknown as number])).toThrow(TypeError);
    expect(() => ch.sendMany(5 as unknown as number[])).toThrow(TypeError);
    expect(ch.len).toBe(0);
    expect(waiting.state).toBe("pending");
  });

  it("on a closed channel sendMany rejects at the first value refused; the earlier ones were sent", async () => {
    const ch = chan<number>(2);
    const p = track(ch.sendMany([1, 2, 3, 4]));
    await turns();
    ch.close();
    await turns();
    expect(p.state).toBe("rejected");
    expect(p.reason).toBeInstanceOf(ChannelError);
    expect((p.reason as Error).message).toBe("send on closed channel");
    expect(await ch.recvMany(10)).toEqual([1, 2]);
    expect(await ch.recvMany(10)).toEqual([]);
    const closed = chan<number>(1);
    closed.close();
    await expect(closed.sendMany([1])).rejects.toThrow("send on closed channel");
  });

  it("recvMany waits for the first value, then takes what is there, up to max", async () => {
    const ch = chan<number>(8);
    const p = track(ch.recvMany(3));
    await turns();
    expect(p.state).toBe("pending");
    ch.trySend(1);
    await turns();
    expect(p.value).toEqual([1]);
    for (let i = 2; i <= 6; i++) ch.trySend(i);
    expect(await ch.recvMany(3)).toEqual([2, 3, 4]);
    expect(await ch.recvMany(3)).toEqual([5, 6]);
    expect(() => ch.recvMany(0)).toThrow(RangeError);
    expect(() => ch.recvMany(1.5)).toThrow(RangeError);
  });

  it("recvMany takes from parked senders in order (through the ring when buffered)", async () => {
    for (const cap of [0, 2]) {
      const ch = chan<number>(cap);
      const sends = [1, 2, 3, 4].map((v) => ch.send(v));
      expect(await ch.recvMany(10)).toEqual([1, 2, 3, 4]);
      await Promise.all(sends);
    }
  });

  it("recvMany on a closed channel drains it, then gives []", async () => {
    const ch = chan<number>(3, { codec: codecs.i32 });
    await ch.sendMany([7, 8]);
    ch.close();
    expect(await ch.recvMany(1)).toEqual([7]);
    expect(await ch.recvMany(5)).toEqual([8]);
    expect(await ch.recvMany(5)).toEqual([]);
  });

  it("recvMany drains more than a thousand buffered values of a closed channel in one call", async () => {
    const ch = chan<number>(1500, { codec: codecs.i32 });
    await ch.sendMany(Array.from({ length: 1500 }, (_, i) => i));
    ch.close();
    const got = await ch.recvMany(2000);
    expect(got).toHaveLength(1500);
    expect(got[1499]).toBe(1499);
    expect(await ch.recvMany(2000)).toEqual([]);
  });

  it("abort while a sendMany is parked: the values before went, the parked one and the rest did not", async () => {
    const ch = chan<number>(1);
    const ac = new AbortController();
    const p = track(ch.sendMany([1, 2, 3], { signal: ac.signal }));
    await turns();
    ac.abort(new Error("stop"));
    await turns();
    expect(p.state).toBe("rejected");
    expect((p.reason as Error).message).toBe("stop");
    expect(await ch.recvMany(10)).toEqual([1]);
    expect(ch.tryRecv()).toBeUndefined();
    expect(lib.stats().parkedSenders).toBe(0);
  });

  it("random chunks through a small buffer: every value once, in order", async () => {
    const ch = chan<number>(5);
    const N = 5000;
    const producer = (async () => {
      for (let i = 0; i < N; ) {
        const k = Math.min(N - i, 1 + ((i * 7919) % 13));
        await ch.sendMany(Array.from({ length: k }, (_, j) => i + j));
        i += k;
      }
      ch.close();
    })();
    const got: number[] = [];
    for (let m = 1; ; m = (m % 11) + 1) {
      const vs = await ch.recvMany(m);
      if (vs.length === 0) break;
      expect(vs.length).toBeLessThanOrEqual(m);
      got.push(...vs);
    }
    await producer;
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i));
  });
});
