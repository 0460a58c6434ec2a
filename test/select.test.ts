// API.md §2: select, recv/send case builders, after(ms). Go's semantics, checked without timing
// wherever possible: "blocks" means still pending after several event-loop turns (util.turns),
// "at once" means in the same tick, before any other JS runs. Parked counts come from stats()
// and are compared with a baseline taken in the same test.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { cores } from "./cores";
import { entryOf, expectPanic, macrotask, rng, thrown, track, turns } from "./util";

describe.each(cores.map((c) => [c.name, c.lib] as const))("%s core", (coreName, lib) => {
  const { chan, select, recv, send, after, stats, codecs } = lib;
  type Ch<T = unknown> = ReturnType<typeof chan<T>>;
  const parked = () => {
    const s = stats();
    return { senders: s.parkedSenders, receivers: s.parkedReceivers };
  };
  const i32 = (cap = 0): Ch<number> => (chan as any)(cap, { codec: codecs.i32 });

  // Found in review: a bytes(n) receiver gets the channel's snapshot itself (no second copy), and the
  // pure core stored a send case's one snapshot — a case reused select after select gave every receiver
  // the same Uint8Array. Every path: buffered, hand-off to a parked receiver, parked sender.
  it("a send case of bytes(n) reused by many selects gives each receiver an array of its own", async () => {
    const ch = chan(2, codecs.bytes(4));
    const src = new Uint8Array([1, 2, 3, 4]);
    const c = send(ch, src);
    src[0] = 99; // the case took its value when made
    await select([c]);
    await select([c]); // buffered twice
    const got = [await ch.recv(), await ch.recv()];
    const parkedRecv = ch.recv();
    await select([c]); // handed to the parked receiver
    got.push(await parkedRecv);
    await select([c]);
    await select([c]);
    const parkedSend = select([c]); // parks: the buffer is full
    got.push(await ch.recv(), await ch.recv(), await ch.recv());
    await parkedSend;
    expect(new Set(got).size).toBe(got.length);
    got[0][1] = 77;
    for (const g of got.slice(1)) expect([...g]).toEqual([1, 2, 3, 4]);
    expect([...src]).toEqual([99, 2, 3, 4]);
  });

  describe("result shape", () => {
    it("a receive case gives { index, value, ok } like recvOk; a send case gives value undefined, ok true", async () => {
      const a = chan<string>(1);
      const b = chan<string>(1);
      a.trySend("x");
      expect(await select([recv(b), recv(a)])).toEqual({ index: 1, value: "x", ok: true });
      expect(await select([recv(b), send(a, "y")])).toEqual({ index: 1, value: undefined, ok: true });
      expect(a.tryRecv()).toEqual({ value: "y", ok: true });
      a.close();
      expect(await select([recv(b), recv(a)])).toEqual({ index: 1, value: undefined, ok: false });
    });

    it("values keep their identity through a select (untyped) and their codec (typed)", async () => {
      const obj = { deep: [1, 2, 3] };
      const a = chan<object>(1);
      const p = select([recv(a)]);
      a.trySend(obj);
      expect((await p).value).toBe(obj);
      const t = i32(1);
      await select([send(t, -123)]);
      expect(await select([recv(t)])).toEqual({ index: 0, value: -123, ok: true });
      t.close();
      expect(await select([recv(t)])).toEqual({ index: 0, value: 0, ok: false }); // the codec's zero
    });

    it("a select registers when it is called: an operation in the same tick finds it parked", () => {
      const c = chan<number>();
      const base = parked();
      const p = track(select([recv(c)]));
      expect(parked().receivers - base.receivers).toBe(1);
      expect(c.trySend(5)).toBe(true);
      expect(parked()).toEqual(base);
      return p.promise.then((r) => expect(r).toEqual({ index: 0, value: 5, ok: true }));
    });
  });

  describe("nil cases: recv(null), send(undefined, v)", () => {
    it("are never ready, alone or next to channels that are not ready", async () => {
      const c = chan<number>();
      const ac = new AbortController();
      const ps = [
        track(select([recv(null)], { signal: ac.signal })),
        track(select([recv(undefined)], { signal: ac.signal })),
        track(select([send(null, 1)], { signal: ac.signal })),
        track(select([send(undefined, 1)], { signal: ac.signal })),
        track(select([recv(null), send(undefined, 2), recv(c)], { signal: ac.signal })),
      ];
      await turns();
      for (const p of ps) expect(p.state).toBe("pending");
      ac.abort();
      await macrotask();
      for (const p of ps) expect(p.state).toBe("rejected");
    });

    it("are skipped when another case is ready: the ready one is chosen every time", async () => {
      const c = chan<number>(1);
      for (let i = 0; i < 50; i++) {
        c.trySend(i);
        expect(await select([recv(null), send(null, -1), recv(c), send(undefined, -2)])).toEqual({ index: 2, value: i, ok: true });
      }
    });

    it("a nil send case takes any value without checking it, and parks nothing", async () => {
      const base = parked();
      expect(() => send(null, Symbol("anything"))).not.toThrow();
      const r = await select([send(null, "v"), recv(null)], { default: true });
      expect(r).toEqual({ index: -1, value: undefined, ok: false });
      expect(parked()).toEqual(base);
    });

    it("the same case objects can be reused across selects", async () => {
      const c = chan<number>(1);
      const cases = [recv(c), recv(null)];
      c.trySend(1);
      expect((await select(cases)).value).toBe(1);
      c.trySend(2);
      expect((await select(cases)).value).toBe(2);
    });
  });

  describe("select([]) and only nil cases block forever", () => {
    it("select([]) and select([recv(null), send(null, 1)]) stay pending", async () => {
      const p1 = track(select([]));
      const p2 = track(select([recv(null), send(null, 1)]));
      await turns(5);
      expect(p1.state).toBe("pending");
      expect(p2.state).toBe("pending");
    });

    it("…until their signal aborts: they reject with signal.reason", async () => {
      const ac = new AbortController();
      const p1 = track(select([], { signal: ac.signal }));
      const p2 = track(select([recv(null)], { signal: ac.signal }));
      await turns();
      expect(p1.state).toBe("pending");
      const reason = { why: "stop" };
      ac.abort(reason);
      await macrotask();
      expect(p1.state).toBe("rejected");
      expect(p1.reason).toBe(reason);
      expect(p2.state).toBe("rejected");
      expect(p2.reason).toBe(reason);
    });

    it("an already-aborted signal rejects at once, with or without cases", async () => {
      const reason = new Error("already");
      const signal = AbortSignal.abort(reason);
      await expect(select([], { signal })).rejects.toBe(reason);
      await expect(select([recv(null)], { signal })).rejects.toBe(reason);
      // Even a select that could complete does nothing (API.md §1 cancellation).
      const c = chan<number>(1);
      c.trySend(1);
      await expect(select([recv(c)], { signal })).rejects.toBe(reason);
      expect(c.len).toBe(1);
      const d = chan<number>(1);
      await expect(select([send(d, 1)], { signal })).rejects.toBe(reason);
      expect(d.len).toBe(0);
    });

    it("with { default: true } they take the default at once", async () => {
      expect(await select([], { default: true })).toEqual({ index: -1, value: undefined, ok: false });
      expect(await select([recv(null), send(undefined, 0)], { default: true })).toEqual({ index: -1, value: undefined, ok: false });
    });
  });

  describe("{ default: true }", () => {
    it("returns index -1, value undefined, ok false when no case is ready, and parks nothing", async () => {
      const a = chan<number>();
      const b = chan<number>(1);
      b.trySend(0); // full: a send case on b is not ready
      const base = parked();
      const r = await select([recv(a), send(a, 1), send(b, 2)], { default: true });
      expect(r).toEqual({ index: -1, value: undefined, ok: false });
      expect(parked()).toEqual(base);
      expect(b.tryRecv()).toEqual({ value: 0, ok: true }); // the 2 went nowhere
      expect(b.tryRecv()).toBeUndefined();
    });

    it("never returns -1 when a case is ready: buffered value, free space, parked partner, closed channel", async () => {
      const buf = chan<number>(1);
      const none = chan<number>();
      for (let i = 0; i < 100; i++) {
        buf.trySend(i);
        expect(await select([recv(none), recv(buf)], { default: true })).toEqual({ index: 1, value: i, ok: true });
        expect(await select([recv(none), send(buf, i)], { default: true })).toEqual({ index: 1, value: undefined, ok: true });
        expect(buf.tryRecv()).toEqual({ value: i, ok: true });
      }
      // a parked sender on an unbuffered channel
      const u = chan<string>();
      const s = track(u.send("from sender"));
      expect(await select([recv(u)], { default: true })).toEqual({ index: 0, value: "from sender", ok: true });
      await macrotask();
      expect(s.state).toBe("fulfilled");
      // a parked receiver on an unbuffered channel
      const r = track(u.recv());
      expect(await select([send(u, "to receiver")], { default: true })).toEqual({ index: 0, value: undefined, ok: true });
      await macrotask();
      expect(r.value).toBe("to receiver");
      // a closed channel is ready for receiving
      const closed = chan<number>();
      closed.close();
      expect(await select([recv(none), recv(closed)], { default: true })).toEqual({ index: 1, value: undefined, ok: false });
    });

    it("is a one-shot poll: a value that arrives later is not taken", async () => {
      const c = chan<number>();
      const r = await select([recv(c)], { default: true });
      expect(r.index).toBe(-1);
      expect(c.trySend(1)).toBe(false); // nobody is waiting
    });
  });

  describe("send case on a closed channel", () => {
    it("rejects with ChannelError('send on closed channel'), even with default, and the value goes nowhere", async () => {
      const closed = chan<number>(1);
      closed.close();
      const none = chan<number>();
      const base = parked();
      for (const opts of [undefined, { default: true }]) {
        const e = await select([send(closed, 1)], opts).then(
          () => expect.fail("resolved"),
          (err: unknown) => err,
        );
        expectPanic(lib, e, "send on closed channel");
        const e2 = await select([recv(none), send(closed, 1)], opts).catch((err: unknown) => err);
        expectPanic(lib, e2, "send on closed channel");
      }
      expect(parked()).toEqual(base);
      expect(closed.tryRecv()).toEqual({ value: undefined, ok: false });
    });

    it("a typed send case on a closed channel rejects the same way", async () => {
      const t = i32(4);
      t.close();
      expectPanic(lib, await select([send(t, 7)], { default: true }).catch((e: unknown) => e), "send on closed channel");
    });

    it("is one ready case among others: either it is chosen (reject) or the other ready case runs", async () => {
      const closed = chan<number>();
      closed.close();
      const ready = chan<number>(1);
      let rejected = 0;
      let received = 0;
      for (let i = 0; i < 200; i++) {
        ready.trySend(i);
        try {
          const r = await select([send(closed, 0), recv(ready)]);
          expect(r).toEqual({ index: 1, value: i, ok: true });
          received++;
        } catch (e) {
          expectPanic(lib, e, "send on closed channel");
          expect(ready.tryRecv()).toEqual({ value: i, ok: true }); // the other case did not run
          rejected++;
        }
      }
      expect(rejected).toBeGreaterThan(20);
      expect(received).toBeGreaterThan(20);
    });

    it("a parked select whose send case's channel closes rejects the same way; its other cases are gone", async () => {
      const a = chan<number>();
      const b = chan<number>();
      const base = parked();
      const p = track(select([recv(b), send(a, 1)]));
      expect(parked()).toEqual({ senders: base.senders + 1, receivers: base.receivers + 1 });
      expect(() => a.close()).not.toThrow(); // close itself does not throw
      expect(parked()).toEqual(base);
      expect(b.trySend(2)).toBe(false); // the select's receive case went with it
      await macrotask();
      expect(p.state).toBe("rejected");
      expectPanic(lib, p.reason, "send on closed channel");
    });

    it("a parked select whose receive case's channel closes gets the zero value with ok false", async () => {
      const a = chan<number>();
      const t = i32();
      const p1 = select([recv(chan()), recv(a)]);
      const p2 = select([recv(chan()), recv(t)]);
      a.close();
      t.close();
      expect(await p1).toEqual({ index: 1, value: undefined, ok: false });
      expect(await p2).toEqual({ index: 1, value: 0, ok: false });
    });
  });

  describe("the same channel in several cases, in both directions", () => {
    it("several receive cases on one channel: one of them runs, the value is taken once", async () => {
      const c = chan<number>();
      const base = parked();
      const seen = new Set<number>();
      for (let i = 0; i < 60; i++) {
        const p = select([recv(c), recv(c), recv(c)]);
        expect(parked().receivers - base.receivers).toBe(3);
        expect(c.trySend(i)).toBe(true);
        expect(parked()).toEqual(base);
        expect(c.trySend(i)).toBe(false); // no second case of the same select takes another
        const r = await p;
        expect(r.value).toBe(i);
        seen.add(r.index);
      }
      expect(seen).toEqual(new Set([0, 1, 2])); // all three are chosen, at random
    });

    it("a parked select with send and receive on one unbuffered channel matches others, never itself", async () => {
      const c = chan<string>();
      const base = parked();
      const p = track(select([recv(c), send(c, "mine")]));
      await turns();
      expect(p.state).toBe("pending"); // select3.go: it does not get confused if it sees itself
      expect(parked()).toEqual({ senders: base.senders + 1, receivers: base.receivers + 1 });
      expect(c.tryRecv()).toEqual({ value: "mine", ok: true }); // takes its send case…
      expect(parked()).toEqual(base);
      expect(c.trySend("other")).toBe(false); // …and its receive case is gone at once
      await macrotask();
      expect(p.value).toEqual({ index: 1, value: undefined, ok: true });

      const q = track(select([recv(c), send(c, "mine")]));
      expect(c.trySend("yours")).toBe(true); // takes its receive case…
      expect(c.tryRecv()).toBeUndefined(); // …and its send case is gone at once
      await macrotask();
      expect(q.value).toEqual({ index: 0, value: "yours", ok: true });
      expect(parked()).toEqual(base);
    });

    it("on a buffered channel, whichever direction is possible runs", async () => {
      const c = chan<number>(1);
      expect(await select([recv(c), send(c, 1)])).toEqual({ index: 1, value: undefined, ok: true }); // empty: only send
      expect(await select([recv(c), send(c, 2)])).toEqual({ index: 0, value: 1, ok: true }); // full: only recv
      expect(c.len).toBe(0);
    });

    it("two send cases on one channel: exactly one value is sent", async () => {
      const c = chan<string>();
      const base = parked();
      const p = select([send(c, "a"), send(c, "b")]);
      expect(parked().senders - base.senders).toBe(2);
      const v = c.tryRecv()!;
      expect(["a", "b"]).toContain(v.value);
      expect(c.tryRecv()).toBeUndefined();
      expect((await p).index).toBe(v.value === "a" ? 0 : 1);
    });
  });

  describe("exactly one case runs", () => {
    it("after a parked select wins a receive, its other cases are gone at once (same tick)", async () => {
      const a = chan<number>();
      const b = chan<number>();
      const c = chan<number>();
      const base = parked();
      const p = track(select([recv(a), recv(b), send(c, 3)]));
      expect(a.trySend(1)).toBe(true);
      expect(b.trySend(2)).toBe(false);
      expect(c.tryRecv()).toBeUndefined();
      expect(parked()).toEqual(base);
      await macrotask();
      expect(p.value).toEqual({ index: 0, value: 1, ok: true });
    });

    it("after a parked select wins a send, its other cases are gone at once (same tick)", async () => {
      const a = chan<string>();
      const b = chan<string>();
      const c = chan<string>();
      const p = track(select([send(a, "A"), send(b, "B"), recv(c)]));
      expect(a.tryRecv()).toEqual({ value: "A", ok: true });
      expect(b.tryRecv()).toBeUndefined();
      expect(c.trySend("C")).toBe(false);
      await macrotask();
      expect(p.value).toEqual({ index: 0, value: undefined, ok: true });
    });

    it("after a parked select is woken by close, its other cases are gone at once", async () => {
      const a = chan<number>();
      const b = chan<number>();
      const p = track(select([recv(a), recv(b)]));
      a.close();
      expect(b.trySend(1)).toBe(false);
      await macrotask();
      expect(p.value).toEqual({ index: 0, value: undefined, ok: false });
    });

    it("a parked send of another op on one of its channels is not taken by the losing case", async () => {
      // select parked on recv(a), recv(b); a sender comes to a and wins; a sender then parks on b
      // and must stay parked (the select's receive case on b is gone).
      const a = chan<number>();
      const b = chan<number>();
      const p = select([recv(a), recv(b)]);
      const sa = track(a.send(1));
      const sb = track(b.send(2));
      await turns();
      expect(sa.state).toBe("fulfilled");
      expect(sb.state).toBe("pending");
      expect(await p).toEqual({ index: 0, value: 1, ok: true });
      expect(b.tryRecv()).toEqual({ value: 2, ok: true });
      await macrotask();
      expect(sb.state).toBe("fulfilled");
    });

    it("a send case's value is handed over only if chosen: ready cases (immediate path)", async () => {
      const a = chan<object>(1);
      const b = chan<object>(1);
      const A = { name: "A" };
      const B = { name: "B" };
      const counts = [0, 0];
      for (let i = 0; i < 100; i++) {
        const r = await select([send(a, A), send(b, B)]);
        counts[r.index]++;
        expect(a.len + b.len).toBe(1);
        if (r.index === 0) expect(a.tryRecv()!.value).toBe(A);
        else expect(b.tryRecv()!.value).toBe(B);
        expect(a.tryRecv()).toBeUndefined();
        expect(b.tryRecv()).toBeUndefined();
      }
      expect(counts[0]).toBeGreaterThan(10);
      expect(counts[1]).toBeGreaterThan(10);
    });

    it("a send case's value is handed over only if chosen: parked select woken by another case", async () => {
      for (const typed of [false, true]) {
        const mk = (): Ch<any> => (typed ? i32() : chan());
        const a = mk();
        const b = mk();
        const c = mk();
        const base = parked();
        const p = select([send(a, typed ? 111 : { v: "A" }), send(b, typed ? 222 : { v: "B" }), recv(c)]);
        expect(parked()).toEqual({ senders: base.senders + 2, receivers: base.receivers + 1 });
        expect(c.trySend(typed ? 3 : "C")).toBe(true);
        expect(parked()).toEqual(base);
        expect(await p).toEqual({ index: 2, value: typed ? 3 : "C", ok: true });
        expect(a.tryRecv()).toBeUndefined();
        expect(b.tryRecv()).toBeUndefined();
        // Later receivers on a and b get later values, never the losing ones.
        const ra = track(a.recv());
        const rb = track(b.recv());
        await turns();
        expect(ra.state).toBe("pending");
        expect(rb.state).toBe("pending");
        await a.send(typed ? 7 : "later a");
        await b.send(typed ? 8 : "later b");
        await macrotask();
        expect(ra.value).toBe(typed ? 7 : "later a");
        expect(rb.value).toBe(typed ? 8 : "later b");
      }
    });

    it("losing send values never resurface: 2000 selects of 3 sends against one receiver, every value checked", async () => {
      const chans = [chan<object>(), chan<object>(), chan<object>()];
      const rand = rng(7);
      const got: object[] = [];
      const sent: object[] = [];
      const consumer = (async () => {
        for (let i = 0; i < 2000; i++) {
          const k = Math.floor(rand() * 3);
          got.push(await chans[k].recv());
        }
      })();
      for (let i = 0; i < 2000; i++) {
        const vals = [0, 1, 2].map((k) => ({ i, k }));
        const r = await select(vals.map((v, k) => send(chans[k], v)));
        sent.push(vals[r.index]);
      }
      await consumer;
      expect(got.length).toBe(2000);
      for (let i = 0; i < 2000; i++) expect(got[i]).toBe(sent[i]); // same objects, same order
      for (const ch of chans) expect(ch.tryRecv()).toBeUndefined();
    });
  });

  describe("random choice among ready cases (Go's pollorder)", () => {
    it("each of 4 ready receive cases wins within 10σ of a quarter of 8000 selects; nil cases never", async () => {
      const trials = 8000;
      const chans = [0, 1, 2, 3].map(() => chan<number>(1));
      for (const c of chans) c.trySend(0);
      const counts = [0, 0, 0, 0, 0];
      for (let i = 0; i < trials; i++) {
        const r = await select([recv(chans[0]), recv(null), recv(chans[1]), recv(chans[2]), recv(chans[3])]);
        counts[r.index]++;
        expect(chans[[0, -1, 1, 2, 3][r.index]].trySend(0)).toBe(true);
      }
      expect(counts[1]).toBe(0);
      const p = 0.25;
      const sigma = Math.sqrt(trials * p * (1 - p));
      for (const k of [0, 2, 3, 4]) expect(Math.abs(counts[k] - trials * p), String(counts)).toBeLessThanOrEqual(10 * sigma);
    });

    it("a parked select is served in FIFO order with the other waiters of the channel that wakes it", async () => {
      // Two parked receivers on c: a select (first) and a plain recv (second). A send wakes the
      // first in FIFO order, whatever the select's own random order.
      for (let i = 0; i < 20; i++) {
        const c = chan<number>();
        const p = track(select([recv(chan()), recv(c)]));
        const q = track(c.recv());
        await c.send(i);
        await macrotask();
        expect(p.value).toEqual({ index: 1, value: i, ok: true });
        expect(q.state).toBe("pending");
        c.close();
      }
    });
  });

  describe("abort", () => {
    it("withdraws every case of a parked select: parked counts back to baseline, reason as given", async () => {
      const a = chan<number>();
      const b = chan<number>();
      const t = i32();
      const base = parked();
      const ac = new AbortController();
      const p = track(select([recv(a), send(b, 1), send(t, 2), recv(t), recv(null)], { signal: ac.signal }));
      expect(parked()).toEqual({ senders: base.senders + 2, receivers: base.receivers + 2 });
      const reason = new Error("abandon");
      ac.abort(reason);
      expect(parked()).toEqual(base); // at once, in the abort call
      await macrotask();
      expect(p.state).toBe("rejected");
      expect(p.reason).toBe(reason);
      // Nothing of it is left to match: sends find no receiver, receives no sender.
      expect(a.trySend(1)).toBe(false);
      expect(b.tryRecv()).toBeUndefined();
      expect(t.tryRecv()).toBeUndefined();
      expect(t.trySend(9)).toBe(false);
    });

    it("an abort after the select completed (same tick) changes nothing: the value is delivered", async () => {
      const a = chan<number>();
      const ac = new AbortController();
      const p = track(select([recv(a)], { signal: ac.signal }));
      expect(a.trySend(42)).toBe(true);
      ac.abort(new Error("too late"));
      await macrotask();
      expect(p.state).toBe("fulfilled");
      expect(p.value).toEqual({ index: 0, value: 42, ok: true });

      const b = chan<string>();
      const bc = new AbortController();
      const q = track(select([send(b, "sent")], { signal: bc.signal }));
      expect(b.tryRecv()).toEqual({ value: "sent", ok: true });
      bc.abort();
      await macrotask();
      expect(q.value).toEqual({ index: 0, value: undefined, ok: true });
    });

    it("an aborted select's send value is never delivered", async () => {
      const a = chan<object>();
      const ac = new AbortController();
      const p = track(select([send(a, { lost: true })], { signal: ac.signal }));
      ac.abort();
      const r = track(a.recv());
      await turns();
      expect(r.state).toBe("pending");
      const later = { later: true };
      await a.send(later);
      await macrotask();
      expect(r.value).toBe(later);
      expect(p.state).toBe("rejected");
    });

    it.each([
      ["untyped", 0],
      ["untyped", 2],
      ["i32", 0],
      ["i32", 2],
    ] as const)("receive selects aborted at random never lose or duplicate a value (%s, cap %i)", async (kind, cap) => {
      const N = 1500;
      const ch: Ch<number> = kind === "i32" ? i32(cap) : chan<number>(cap);
      const other = chan<number>();
      const base = parked();
      const rand = rng(cap * 10 + (kind === "i32" ? 1 : 0) + 1);
      const got: number[] = [];
      let aborted = 0;
      let finished = false;
      const producer = (async () => {
        for (let i = 0; i < N; i++) await ch.send(i);
      })();
      const consumer = async () => {
        while (!finished) {
          const ac = new AbortController();
          const reason = new Error("abort");
          const p = select([recv(other), recv(ch)], { signal: ac.signal });
          const when = Math.floor(rand() * 4);
          if (when === 0) ac.abort(reason);
          else if (when === 1) queueMicrotask(() => ac.abort(reason));
          else if (when === 2) setImmediate(() => ac.abort(reason));
          try {
            const r = await p;
            if (r.index === 0) {
              // `other` was closed by the stopper: only once every value has been received
              expect(finished).toBe(true);
              return;
            }
            expect(r.ok).toBe(true);
            got.push(r.value as number);
            if (got.length === N) finished = true;
          } catch (e) {
            expect(e).toBe(reason);
            aborted++;
          }
        }
      };
      const stopper = (async () => {
        await producer;
        while (!finished) await macrotask();
        other.close(); // wake any consumer still parked (index 0): there is nothing more to get
      })();
      await Promise.all([consumer(), consumer(), consumer(), stopper]);
      expect(aborted).toBeGreaterThan(0);
      expect(got.length).toBe(N);
      expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(ch.tryRecv()).toBeUndefined();
      expect(parked()).toEqual(base);
    });

    it.each([
      ["untyped", 0],
      ["untyped", 2],
      ["i32", 0],
      ["i32", 2],
    ] as const)("send selects aborted at random never lose or duplicate a value (%s, cap %i)", async (kind, cap) => {
      const N = 1500;
      const ch: Ch<number> = kind === "i32" ? i32(cap) : chan<number>(cap);
      const other = chan<number>();
      const base = parked();
      const rand = rng(cap * 10 + (kind === "i32" ? 1 : 0) + 100);
      let next = 0;
      let aborted = 0;
      const producer = async () => {
        while (next < N) {
          const v = next++;
          for (;;) {
            const ac = new AbortController();
            const reason = new Error("abort");
            const p = select([send(other, -1), send(ch, v)], { signal: ac.signal });
            const when = Math.floor(rand() * 4);
            if (when === 0) ac.abort(reason);
            else if (when === 1) queueMicrotask(() => ac.abort(reason));
            else if (when === 2) setImmediate(() => ac.abort(reason));
            try {
              expect((await p).index).toBe(1);
              break; // sent
            } catch (e) {
              expect(e).toBe(reason);
              aborted++; // not sent: try the same value again
            }
          }
        }
      };
      const got: number[] = [];
      const consumer = (async () => {
        for (let i = 0; i < N; i++) {
          if (i % 3 === 0) await macrotask();
          got.push(await ch.recv());
        }
      })();
      await Promise.all([producer(), producer(), consumer]);
      expect(aborted).toBeGreaterThan(0);
      expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(ch.tryRecv()).toBeUndefined();
      expect(other.tryRecv()).toBeUndefined();
      expect(parked()).toEqual(base);
    });
  });

  describe("case builders", () => {
    it("send(ch, badValue) throws TypeError/RangeError synchronously on typed channels; nothing is enqueued", () => {
      const t = i32(2);
      const u = (chan as any)(2, { codec: codecs.u32 });
      const b = (chan as any)(2, { codec: codecs.bytes(4) });
      const s = (chan as any)(2, { codec: codecs.string(4) });
      const big = (chan as any)(2, { codec: codecs.i64 });
      const base = parked();
      expect(thrown(() => send(t, "1" as any))).toBeInstanceOf(TypeError);
      expect(thrown(() => send(t, 1.5))).toBeInstanceOf(RangeError);
      expect(thrown(() => send(t, 2 ** 31))).toBeInstanceOf(RangeError);
      expect(thrown(() => send(u, -1))).toBeInstanceOf(RangeError);
      expect(thrown(() => send(b, "abc"))).toBeInstanceOf(TypeError);
      expect(thrown(() => send(b, new Uint8Array(5)))).toBeInstanceOf(RangeError);
      expect(thrown(() => send(s, "héllo"))).toBeInstanceOf(RangeError); // 6 UTF-8 bytes
      expect(thrown(() => send(big, 1))).toBeInstanceOf(TypeError);
      for (const ch of [t, u, b, s, big]) {
        expect(ch.len).toBe(0);
        expect(ch.tryRecv()).toBeUndefined();
      }
      expect(parked()).toEqual(base);
      // Good values build fine.
      expect(() => send(t, -(2 ** 31))).not.toThrow();
      expect(() => send(b, new Uint8Array(4))).not.toThrow();
    });

    it("recv(x) and send(x, v) with x not a channel (nor null/undefined) throw TypeError", () => {
      expect(thrown(() => recv({} as any))).toBeInstanceOf(TypeError);
      expect(thrown(() => send(42 as any, 1))).toBeInstanceOf(TypeError);
    });
  });

  describe("after(ms)", () => {
    it("delivers one value, a number ≈ Date.now() at firing, not before ms", async () => {
      const start = Date.now();
      const t = after(30);
      expect(t.cap).toBe(1);
      expect(t.tryRecv()).toBeUndefined();
      const v = await t.recv();
      const now = Date.now();
      expect(typeof v).toBe("number");
      expect(v).toBeGreaterThanOrEqual(start + 30 - 2); // timers may round down by a millisecond
      expect(v).toBeLessThanOrEqual(now);
      expect(now - v).toBeLessThan(1000);
      // one value only, and the channel stays open (Go's time.After is never closed)
      const again = track(t.recv());
      await new Promise((r) => setTimeout(r, 40));
      expect(again.state).toBe("pending");
      expect(t.tryRecv()).toBeUndefined();
    });

    it("ms <= 0 fires at once: the value is there in the same tick", async () => {
      for (const ms of [0, -1, -1000, -Infinity]) {
        const before = Date.now();
        const t = after(ms);
        const r = t.tryRecv();
        expect(r).toBeDefined();
        expect(r!.ok).toBe(true);
        expect(r!.value).toBeGreaterThanOrEqual(before);
        expect(r!.value).toBeLessThanOrEqual(Date.now());
        expect(t.tryRecv()).toBeUndefined();
      }
      expect((await select([recv(after(0))], { default: true })).index).toBe(0);
    });

    it("a non-number or NaN is a RangeError, thrown synchronously", () => {
      for (const bad of [NaN, "10", undefined, null, 10n, {}, [5], true]) {
        expect(thrown(() => after(bad as any)), String(bad)).toBeInstanceOf(RangeError);
      }
    });

    it("as a select timeout: wins when nothing else comes, loses to a value that does", async () => {
      const c = chan<number>();
      const r = await select([recv(c), recv(after(15))]);
      expect(r.index).toBe(1);
      expect(typeof r.value).toBe("number");
      setTimeout(() => c.trySend(7), 5);
      expect(await select([recv(c), recv(after(5_000))])).toEqual({ index: 0, value: 7, ok: true });
    });

    const runFixture = (file: string, args: string[]) => {
      const entry = entryOf(coreName);
      expect(existsSync(entry), entry).toBe(true);
      const script = fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url));
      const start = Date.now();
      const r = spawnSync(process.execPath, [script, pathToFileURL(entry).href, ...args], { encoding: "utf8", timeout: 30_000 });
      return { ...r, elapsed: Date.now() - start };
    };

    it.each([["plain"], ["keep"], ["abort"]])("a select that lost its after(60_000) case does not keep Node alive (%s)", (mode) => {
      const r = runFixture("after-lost.mjs", mode === "plain" ? [] : [mode]);
      expect(r.error, String(r.error)).toBeUndefined();
      expect(r.signal).toBeNull();
      expect(r.status, r.stderr).toBe(0);
      expect(r.elapsed).toBeLessThan(15_000); // well under the 60 s timer (node startup included)
      const out = JSON.parse(r.stdout.trim());
      if (mode === "abort") expect(out).toEqual({ aborted: "gave up" });
      else expect(out).toEqual({ index: 0, value: "value", ok: true });
    });

    it("`await after(200).recv()` alone keeps Node alive until it fires, then exits 0", () => {
      const r = runFixture("after-alive.mjs", []);
      expect(r.error, String(r.error)).toBeUndefined();
      expect(r.status, r.stderr).toBe(0); // 13 would mean: exited with the top-level await unsettled
      const out = JSON.parse(r.stdout.trim());
      expect(out.type).toBe("number");
      expect(out.waited).toBeGreaterThanOrEqual(198);
      expect(out.skew).toBeGreaterThanOrEqual(0);
      expect(out.skew).toBeLessThan(1000);
    });
  });
});

describe.each(cores)("$name core: after() channel closed or disposed by the user", ({ lib }) => {
  it("its tick is dropped instead of throwing from the timer", async () => {
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on("uncaughtException", onError);
    try {
      const closed = lib.after(5);
      closed.close();
      const disposed = lib.after(5);
      disposed.dispose();
      await new Promise((r) => setTimeout(r, 30));
      expect(errors).toEqual([]);
      expect(await closed.recvOk()).toEqual({ value: undefined, ok: false }); // an untyped channel
    } finally {
      process.off("uncaughtException", onError);
    }
  });
});
