// API.md §4 stats(): { channels, parkedSenders, parkedReceivers, bytesInUse }, all numbers.
// Parked counts are per wait-queue entry and follow every park, wake, abort and close at once
// (operations register when they are called). Every channel made here is kept reachable, so a
// garbage collection during a test cannot change `channels` under our feet.
import { describe, expect, it } from "vitest";
import { cores } from "./cores";
import { macrotask, track, turns } from "./util";

const keep: unknown[] = [];

describe.each(cores.map((c) => [c.name, c.lib] as const))("%s core", (_, lib) => {
  const { chan, codecs, stats } = lib;
  // A channel is counted from its first park (before that it takes no runtime memory): mk parks
  // and aborts one receive on each channel it makes, so the tests below start from counted channels.
  const parkOnce = (ch: { recv(o: object): Promise<unknown> }) => {
    const ac = new AbortController();
    ch.recv({ signal: ac.signal }).catch(() => {});
    ac.abort();
  };
  const mk = <T>(cap?: number, opts?: object): ReturnType<typeof chan<T>> => {
    const ch = opts ? (chan as any)(cap, opts) : chan<T>(cap);
    parkOnce(ch);
    keep.push(ch);
    return ch;
  };
  const delta = (base: ReturnType<typeof stats>) => {
    const s = stats();
    return {
      channels: s.channels - base.channels,
      parkedSenders: s.parkedSenders - base.parkedSenders,
      parkedReceivers: s.parkedReceivers - base.parkedReceivers,
    };
  };

  it("returns finite, non-negative integer numbers for channels, parkedSenders, parkedReceivers, bytesInUse", () => {
    mk(1);
    const s = stats();
    for (const key of ["channels", "parkedSenders", "parkedReceivers", "bytesInUse"] as const) {
      expect(typeof s[key], key).toBe("number");
      expect(Number.isSafeInteger(s[key]), key).toBe(true);
      expect(s[key], key).toBeGreaterThanOrEqual(0);
    }
    expect(s.channels).toBeGreaterThanOrEqual(1);
  });

  it("returns a snapshot: later activity does not change an object already returned", async () => {
    const ch = mk<number>();
    const before = stats();
    const copy = { ...before };
    const r = track(ch.recv());
    expect(before).toEqual(copy);
    ch.close();
    await macrotask();
    expect(r.state).toBe("fulfilled");
  });

  it("channels counts every live channel that ever parked an op, untyped and typed; a RangeError creates none", () => {
    const base = stats();
    mk(0);
    mk(4);
    mk(1, { codec: codecs.i32 });
    mk(2, { codec: codecs.bytes(16) });
    expect(delta(base).channels).toBe(4);
    // One that never had to wait takes no runtime memory and is not counted (the Wasm core's local
    // channels keep their values in a JS ring until their first park).
    const idle = chan<number>(4);
    keep.push(idle);
    idle.trySend(1);
    idle.trySend(2);
    idle.tryRecv();
    idle.tryRecv(); // empty again: the receive below parks
    expect(delta(base).channels).toBe(4);
    parkOnce(idle);
    expect(delta(base).channels).toBe(5);
    expect(() => chan(-1)).toThrow(RangeError);
    expect(() => chan(1.5)).toThrow(RangeError);
    expect(delta(base).channels).toBe(5);
  });

  it("closing a channel does not stop it from being counted (only reclaiming or dispose does)", () => {
    const base = stats();
    const ch = mk(1);
    ch.close();
    expect(delta(base).channels).toBe(1);
  });

  it("parkedReceivers goes up by one per parked recv/recvOk and down by one per value handed over", async () => {
    for (const cap of [0, 2]) {
      const ch = mk<number>(cap);
      const base = stats();
      const rs = [track(ch.recv()), track(ch.recvOk()), track(ch.recv())];
      expect(delta(base)).toEqual({ channels: 0, parkedSenders: 0, parkedReceivers: 3 });
      await ch.send(1);
      expect(delta(base).parkedReceivers).toBe(2);
      expect(ch.trySend(2)).toBe(true);
      expect(delta(base).parkedReceivers).toBe(1);
      await ch.send(3);
      expect(delta(base)).toEqual({ channels: 0, parkedSenders: 0, parkedReceivers: 0 });
      await macrotask();
      expect(rs.map((r) => r.state)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    }
  });

  it("parkedSenders goes up by one per parked send and down by one per value taken", async () => {
    for (const cap of [0, 2]) {
      const ch = mk<number>(cap);
      for (let i = 0; i < cap; i++) await ch.send(-1);
      const base = stats();
      const ss = [track(ch.send(1)), track(ch.send(2)), track(ch.send(3))];
      expect(delta(base)).toEqual({ channels: 0, parkedSenders: 3, parkedReceivers: 0 });
      await ch.recv();
      expect(delta(base).parkedSenders).toBe(2);
      expect(ch.tryRecv()).not.toBeUndefined();
      expect(delta(base).parkedSenders).toBe(1);
      await ch.recvOk();
      expect(delta(base).parkedSenders).toBe(0);
      await macrotask();
      expect(ss.map((s) => s.state)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    }
  });

  it("an abort takes its waiter out of the count at once", async () => {
    const a = mk<number>();
    const b = mk<number>();
    const base = stats();
    const acR = new AbortController();
    const acS = new AbortController();
    const r = track(a.recv({ signal: acR.signal }));
    const s = track(b.send(1, { signal: acS.signal }));
    expect(delta(base)).toEqual({ channels: 0, parkedSenders: 1, parkedReceivers: 1 });
    acR.abort();
    expect(delta(base)).toEqual({ channels: 0, parkedSenders: 1, parkedReceivers: 0 });
    acS.abort();
    expect(delta(base)).toEqual({ channels: 0, parkedSenders: 0, parkedReceivers: 0 });
    await macrotask();
    expect([r.state, s.state]).toEqual(["rejected", "rejected"]);
  });

  it("close takes every waiter of the channel out of the count, and only that channel's", async () => {
    const a = mk<number>();
    const b = mk<number>(1);
    const other = mk<number>();
    await b.send(0);
    const base = stats();
    const ops = [track(a.recv()), track(a.recvOk()), track(b.send(1)), track(b.send(2)), track(other.recv()), track(other.recv())];
    expect(delta(base)).toEqual({ channels: 0, parkedSenders: 2, parkedReceivers: 4 });
    a.close();
    expect(delta(base)).toEqual({ channels: 0, parkedSenders: 2, parkedReceivers: 2 });
    b.close();
    expect(delta(base)).toEqual({ channels: 0, parkedSenders: 0, parkedReceivers: 2 });
    other.close();
    expect(delta(base)).toEqual({ channels: 0, parkedSenders: 0, parkedReceivers: 0 });
    await macrotask();
    expect(ops.map((o) => o.state)).toEqual(["fulfilled", "fulfilled", "rejected", "rejected", "fulfilled", "fulfilled"]);
  });

  it("ops that do not wait never count: buffered send with room, receive of a buffered value, try ops, handoffs, already-aborted ops", async () => {
    const ch = mk<number>(2);
    const un = mk<number>();
    const base = stats();
    await ch.send(1);
    expect(ch.trySend(2)).toBe(true);
    expect(ch.trySend(3)).toBe(false);
    await ch.recv();
    await ch.recvOk();
    expect(ch.tryRecv()).toBeUndefined();
    expect(un.trySend(1)).toBe(false);
    expect(un.tryRecv()).toBeUndefined();
    const signal = AbortSignal.abort();
    await expect(un.recv({ signal })).rejects.toBe(signal.reason);
    await expect(un.send(1, { signal })).rejects.toBe(signal.reason);
    expect(delta(base)).toEqual({ channels: 0, parkedSenders: 0, parkedReceivers: 0 });
  });

  it("a for await loop parked on an empty channel counts as one parked receiver until woken", async () => {
    const ch = mk<number>();
    const base = stats();
    const got: number[] = [];
    const loop = (async () => {
      for await (const v of ch) got.push(v);
    })();
    await turns(1);
    expect(delta(base).parkedReceivers).toBe(1);
    await ch.send(1);
    await turns(1);
    expect(delta(base).parkedReceivers).toBe(1); // parked again for the next value
    ch.close();
    await loop;
    expect(delta(base).parkedReceivers).toBe(0);
    expect(got).toEqual([1]);
  });

  it("typed channels count their waiters the same way", async () => {
    const ch = mk<number>(0, { codec: codecs.f64 });
    const base = stats();
    const r = track(ch.recv());
    expect(delta(base).parkedReceivers).toBe(1);
    await ch.send(1.5);
    expect(delta(base).parkedReceivers).toBe(0);
    const s = track(ch.send(2.5));
    expect(delta(base).parkedSenders).toBe(1);
    ch.close();
    expect(delta(base).parkedSenders).toBe(0);
    await macrotask();
    expect([r.state, s.state]).toEqual(["fulfilled", "rejected"]);
  });

  it("bytesInUse does not grow with completed operations (no per-op leak)", async () => {
    const ch = mk<number>(4, { codec: codecs.i32 });
    const un = mk<number>();
    const cycle = async () => {
      for (let i = 0; i < 4; i++) await ch.send(i);
      for (let i = 0; i < 4; i++) await ch.recv();
      const r = un.recv(); // parks: a waiter is made and freed
      await un.send(1);
      await r;
      const ac = new AbortController();
      const s = un.send(2, { signal: ac.signal }); // parks, then aborts
      ac.abort();
      await s.catch(() => undefined);
    };
    for (let i = 0; i < 20; i++) await cycle(); // warm up any pools
    const warm = stats().bytesInUse;
    for (let i = 0; i < 500; i++) await cycle();
    expect(stats().bytesInUse).toBe(warm);
  });
});
