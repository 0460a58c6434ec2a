// API.md §1 for channels of JS values: construction, FIFO, direct handoff, wait-queue order,
// close, trySend/tryRecv, len/cap, for await, cancellation with AbortSignal, values by reference.
// Go's runtime (src/runtime/chan.go) is the reference for every expectation here.
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { cores } from "./cores";
import { type Tracked, expectPanic, expectRecvOk, macrotask, rng, shuffle, thrown, track, turns } from "./util";

const SEND_CLOSED = "send on closed channel";
const CLOSE_CLOSED = "close of closed channel";

describe.each(cores.map((c) => [c.name, c.lib] as const))("%s core", (_, lib) => {
  const { chan, stats } = lib;
  const parked = () => {
    const s = stats();
    return { senders: s.parkedSenders, receivers: s.parkedReceivers };
  };

  describe("chan(n): make(chan T, n)", () => {
    it("chan() is unbuffered: cap 0, len 0", () => {
      const ch = chan<number>();
      expect(ch.cap).toBe(0);
      expect(ch.len).toBe(0);
    });

    it.each([0, 1, 7, 1024])("chan(%i) has cap %i and len 0", (n) => {
      const ch = chan<number>(n);
      expect(ch.cap).toBe(n);
      expect(ch.len).toBe(0);
    });

    it("chan(-0) is a valid unbuffered channel whose cap is 0, not -0", () => {
      const ch = chan<number>(-0);
      expect(ch.cap).toBe(0); // toBe is Object.is: Go's cap() is an int, never -0
      expect(ch.len).toBe(0);
    });

    it.each([
      ["-1", -1],
      ["1.5", 1.5],
      ["NaN", NaN],
      ['"3"', "3"],
      ["2**53", 2 ** 53],
      ["Infinity", Infinity],
      ["-Infinity", -Infinity],
    ])("chan(%s) throws RangeError (n must be a safe integer >= 0)", (_, n) => {
      expect(() => chan(n as number)).toThrow(RangeError);
    });
  });

  describe("len and cap", () => {
    it("are numbers, read-only", async () => {
      const ch = chan<number>(3);
      await ch.send(1);
      expect(typeof ch.len).toBe("number");
      expect(typeof ch.cap).toBe("number");
      for (const key of ["len", "cap"]) {
        try {
          (ch as unknown as Record<string, number>)[key] = 99;
        } catch (e) {
          expect(e).toBeInstanceOf(TypeError); // strict-mode assignment to a getter-only property
        }
      }
      expect(ch.len).toBe(1);
      expect(ch.cap).toBe(3);
    });

    it("len counts buffered values only: it follows sends, receives and close; cap never changes", async () => {
      const ch = chan<number>(3);
      await ch.send(1);
      await ch.send(2);
      expect(ch.len).toBe(2);
      await ch.recv();
      expect(ch.len).toBe(1);
      await ch.send(3);
      await ch.send(4);
      expect(ch.len).toBe(3);
      ch.close();
      expect(ch.len).toBe(3);
      expect(ch.cap).toBe(3);
      await ch.recv();
      expect(ch.len).toBe(2);
    });

    it("parked senders are not in len (unbuffered and full buffered channels)", async () => {
      const un = chan<number>();
      const s = [track(un.send(1)), track(un.send(2))];
      expect(un.len).toBe(0);
      const full = chan<number>(2);
      await full.send(1);
      await full.send(2);
      const t = track(full.send(3));
      expect(full.len).toBe(2);
      expect(full.cap).toBe(2);
      await turns(1);
      expect([s[0].state, s[1].state, t.state]).toEqual(["pending", "pending", "pending"]);
      expect(await un.recv()).toBe(1);
      expect(await un.recv()).toBe(2);
      expect(await full.recv()).toBe(1);
    });
  });

  describe("buffered channels are FIFO", () => {
    it("sends up to cap complete without a receiver; values come out in order", async () => {
      const ch = chan<number>(10);
      for (let i = 0; i < 10; i++) await ch.send(i);
      expect(ch.len).toBe(10);
      for (let i = 0; i < 10; i++) expect(await ch.recv()).toBe(i);
      expect(ch.len).toBe(0);
    });

    it("a send into free buffer space takes effect when called (operations register when they are called)", () => {
      const ch = chan<string>(2);
      void ch.send("a");
      expect(ch.len).toBe(1);
      expectRecvOk(ch.tryRecv(), "a", true);
    });

    it("order survives the ring buffer wrapping around many times", async () => {
      const ch = chan<number>(3);
      let next = 0;
      let expected = 0;
      for (let round = 0; round < 50; round++) {
        while (ch.len < ch.cap) await ch.send(next++);
        const take = 1 + (round % 3);
        for (let k = 0; k < take; k++) expect(await ch.recv()).toBe(expected++);
      }
      while (ch.len > 0) expect(await ch.recv()).toBe(expected++);
      expect(expected).toBe(next);
    });
  });

  describe("unbuffered channels hand off directly", () => {
    it("send stays pending until a receiver takes the value", async () => {
      const ch = chan<string>();
      let sent = false;
      const sender = (async () => {
        await ch.send("x");
        sent = true;
      })();
      await turns();
      expect(sent).toBe(false);
      expect(ch.len).toBe(0);
      expect(await ch.recv()).toBe("x");
      await sender;
      expect(sent).toBe(true);
    });

    it("recv stays pending until a sender comes; the send then completes at once", async () => {
      const ch = chan<string>();
      const r = track(ch.recv());
      await turns();
      expect(r.state).toBe("pending");
      const s = track(ch.send("y"));
      await macrotask();
      expect(r.state).toBe("fulfilled");
      expect(r.value).toBe("y");
      expect(s.state).toBe("fulfilled");
    });

    it("the sender is released only after the receive that took its value (ordering, not timing)", async () => {
      const ch = chan<number>();
      const log: string[] = [];
      const sender = (async () => {
        log.push("send called");
        await ch.send(1);
        log.push("send resolved");
      })();
      await turns();
      log.push("recv called");
      const v = await ch.recv();
      log.push(`recv got ${v}`);
      await sender;
      expect(log.slice(0, 2)).toEqual(["send called", "recv called"]);
      expect(log).toContain("recv got 1");
      expect(log).toContain("send resolved");
    });

    it("a buffered channel with a parked receiver hands the value over: it never sits in the buffer", async () => {
      const ch = chan<number>(2);
      const r = track(ch.recv());
      void ch.send(5);
      expect(ch.len).toBe(0);
      expect(ch.tryRecv()).toBeUndefined(); // the value is the parked receiver's, not up for grabs
      await macrotask();
      expect(r.state).toBe("fulfilled");
      expect(r.value).toBe(5);
    });
  });

  describe("wait queues are FIFO (order of calls = order of service)", () => {
    it("parked senders on an unbuffered channel are received in call order, each released in turn", async () => {
      const ch = chan<number>();
      const sends = [0, 1, 2, 3, 4].map((i) => track(ch.send(i)));
      await turns(1);
      expect(sends.every((s) => s.state === "pending")).toBe(true);
      for (let i = 0; i < 5; i++) {
        expect(await ch.recv()).toBe(i);
        await macrotask();
        expect(sends.map((s) => s.state)).toEqual(sends.map((_, j) => (j <= i ? "fulfilled" : "pending")));
      }
    });

    it("a receive from a full buffer takes the head and moves the first parked sender's value to the tail", async () => {
      const ch = chan<number>(2);
      await ch.send(0);
      await ch.send(1);
      const sends = [2, 3, 4].map((v) => track(ch.send(v)));
      await turns(1);
      expect(sends.map((s) => s.state)).toEqual(["pending", "pending", "pending"]);
      expect(await ch.recv()).toBe(0);
      await macrotask();
      expect(sends.map((s) => s.state)).toEqual(["fulfilled", "pending", "pending"]);
      expect(ch.len).toBe(2);
      expect(await ch.recv()).toBe(1);
      await macrotask();
      expect(sends.map((s) => s.state)).toEqual(["fulfilled", "fulfilled", "pending"]);
      expect(ch.len).toBe(2);
      for (const v of [2, 3, 4]) expect(await ch.recv()).toBe(v);
      await macrotask();
      expect(sends.map((s) => s.state)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
      expect(ch.len).toBe(0);
    });

    it.each([0, 3])("parked receivers (recv and recvOk mixed) get values in call order (cap %i)", async (cap) => {
      const ch = chan<string>(cap);
      const r0 = track(ch.recv());
      const r1 = track(ch.recvOk());
      const r2 = track(ch.recv());
      const r3 = track(ch.recvOk());
      await turns(1);
      for (const v of ["a", "b", "c", "d"]) await ch.send(v);
      expect(ch.len).toBe(0);
      await macrotask();
      expect(r0.value).toBe("a");
      expectRecvOk(r1.value, "b", true);
      expect(r2.value).toBe("c");
      expectRecvOk(r3.value, "d", true);
    });

    it("tryRecv takes the first parked sender's value and releases that sender", async () => {
      const ch = chan<string>();
      const a = track(ch.send("a"));
      const b = track(ch.send("b"));
      expectRecvOk(ch.tryRecv(), "a", true);
      await macrotask();
      expect(a.state).toBe("fulfilled");
      expect(b.state).toBe("pending");
      expectRecvOk(ch.tryRecv(), "b", true);
      await macrotask();
      expect(b.state).toBe("fulfilled");
      expect(ch.tryRecv()).toBeUndefined();
    });

    it("trySend serves the first parked receiver", async () => {
      const ch = chan<string>();
      const r0 = track(ch.recv());
      const r1 = track(ch.recv());
      expect(ch.trySend("first")).toBe(true);
      expect(ch.trySend("second")).toBe(true);
      expect(ch.trySend("third")).toBe(false);
      await macrotask();
      expect(r0.value).toBe("first");
      expect(r1.value).toBe("second");
    });
  });

  describe("close", () => {
    it.each([0, 3])("wakes every parked receiver with the zero value and ok false (cap %i)", async (cap) => {
      const ch = chan<number>(cap);
      const rs = [track(ch.recv()), track(ch.recvOk()), track(ch.recv()), track(ch.recvOk())];
      await turns(1);
      expect(rs.every((r) => r.state === "pending")).toBe(true);
      ch.close();
      await macrotask();
      expect(rs.map((r) => r.state)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
      expect(rs[0].value).toBeUndefined();
      expectRecvOk(rs[1].value, undefined, false);
      expect(rs[2].value).toBeUndefined();
      expectRecvOk(rs[3].value, undefined, false);
    });

    it("rejects every parked sender with ChannelError('send on closed channel'); their values are dropped", async () => {
      const ch = chan<number>();
      const s = [track(ch.send(1)), track(ch.send(2))];
      await turns(1);
      ch.close();
      await macrotask();
      for (const t of s) {
        expect(t.state).toBe("rejected");
        expectPanic(lib, t.reason, SEND_CLOSED);
      }
      expectRecvOk(await ch.recvOk(), undefined, false);
    });

    it("rejects senders parked on a full buffer but keeps the buffered values", async () => {
      const ch = chan<number>(2);
      await ch.send(1);
      await ch.send(2);
      const s = track(ch.send(3));
      ch.close();
      await macrotask();
      expect(s.state).toBe("rejected");
      expectPanic(lib, s.reason, SEND_CLOSED);
      expect(await ch.recv()).toBe(1);
      expect(await ch.recv()).toBe(2);
      expectRecvOk(await ch.recvOk(), undefined, false);
    });

    it("send on a closed channel returns a promise rejected with ChannelError('send on closed channel')", async () => {
      for (const cap of [0, 2]) {
        const ch = chan<number>(cap);
        ch.close();
        let p: Promise<void> | undefined;
        expect(() => {
          p = ch.send(1);
        }).not.toThrow();
        const t = track(p!);
        await macrotask();
        expect(t.state).toBe("rejected");
        expectPanic(lib, t.reason, SEND_CLOSED);
        expect(ch.len).toBe(0);
      }
    });

    it("close() a second time throws ChannelError('close of closed channel') and changes nothing", async () => {
      const ch = chan<number>(2);
      await ch.send(7);
      ch.close();
      expectPanic(lib, thrown(() => ch.close()), CLOSE_CLOSED);
      expectPanic(lib, thrown(() => ch.close()), CLOSE_CLOSED);
      expect(ch.len).toBe(1);
      expect(await ch.recv()).toBe(7);
      expectRecvOk(await ch.recvOk(), undefined, false);
    });

    it("buffered values are still received in order after close, then the zero value forever", async () => {
      const ch = chan<string>(3);
      await ch.send("a");
      await ch.send("b");
      await ch.send("c");
      ch.close();
      expect(ch.len).toBe(3);
      expect(await ch.recv()).toBe("a");
      expectRecvOk(await ch.recvOk(), "b", true);
      expectRecvOk(ch.tryRecv(), "c", true);
      expect(ch.len).toBe(0);
      for (let i = 0; i < 3; i++) {
        expect(await ch.recv()).toBeUndefined();
        expectRecvOk(await ch.recvOk(), undefined, false);
        expectRecvOk(ch.tryRecv(), undefined, false);
      }
    });

    it("leaves no parked waiters behind", async () => {
      const base = parked();
      const a = chan<number>();
      const b = chan<number>();
      const rs = [track(a.recv()), track(a.recvOk())];
      const ss = [track(b.send(1)), track(b.send(2))];
      expect(parked()).toEqual({ senders: base.senders + 2, receivers: base.receivers + 2 });
      a.close();
      b.close();
      expect(parked()).toEqual(base);
      await macrotask();
      expect(rs.map((r) => r.state)).toEqual(["fulfilled", "fulfilled"]);
      expect(ss.map((s) => s.state)).toEqual(["rejected", "rejected"]);
    });
  });

  describe("trySend / tryRecv (select with default)", () => {
    it("trySend returns true while there is buffer space, then false and enqueues nothing", async () => {
      const ch = chan<number>(2);
      expect(ch.trySend(1)).toBe(true);
      expect(ch.trySend(2)).toBe(true);
      expect(ch.trySend(3)).toBe(false);
      expect(ch.len).toBe(2);
      expectRecvOk(ch.tryRecv(), 1, true);
      expectRecvOk(ch.tryRecv(), 2, true);
      expect(ch.tryRecv()).toBeUndefined();
    });

    it("trySend on an unbuffered channel with no receiver returns false and parks nothing", async () => {
      const base = parked();
      const ch = chan<number>();
      expect(ch.trySend(1)).toBe(false);
      expect(parked()).toEqual(base);
      const r = track(ch.recv());
      await turns(1);
      expect(r.state).toBe("pending"); // the refused value is not waiting anywhere
      await ch.send(2);
      await macrotask();
      expect(r.value).toBe(2);
    });

    it("trySend on a closed channel throws ChannelError('send on closed channel') and the value is discarded", async () => {
      for (const cap of [0, 2]) {
        const ch = chan<number>(cap);
        ch.close();
        expectPanic(lib, thrown(() => ch.trySend(1)), SEND_CLOSED);
        expect(ch.len).toBe(0);
        expectRecvOk(await ch.recvOk(), undefined, false);
      }
    });

    it("tryRecv returns undefined on an empty open channel and parks nothing", () => {
      const base = parked();
      for (const cap of [0, 2]) {
        const ch = chan<number>(cap);
        expect(ch.tryRecv()).toBeUndefined();
        expect(ch.tryRecv()).toBeUndefined();
      }
      expect(parked()).toEqual(base);
    });

    it("tryRecv returns { value, ok: true } from the buffer and { value: undefined, ok: false } once closed and drained", () => {
      const ch = chan<number>(2);
      ch.trySend(10);
      ch.trySend(20);
      expectRecvOk(ch.tryRecv(), 10, true);
      expect(ch.len).toBe(1);
      ch.close();
      expectRecvOk(ch.tryRecv(), 20, true);
      expectRecvOk(ch.tryRecv(), undefined, false);
      expectRecvOk(ch.tryRecv(), undefined, false);
    });

    it("tryRecv on a full buffer with a parked sender takes the head and the sender's value moves in", async () => {
      const ch = chan<number>(1);
      ch.trySend(1);
      const s = track(ch.send(2));
      expectRecvOk(ch.tryRecv(), 1, true);
      expect(ch.len).toBe(1);
      await macrotask();
      expect(s.state).toBe("fulfilled");
      expectRecvOk(ch.tryRecv(), 2, true);
      expect(ch.tryRecv()).toBeUndefined();
    });
  });

  describe("for await (range over channel)", () => {
    it("yields every value until close", async () => {
      const ch = chan<number>();
      const producer = (async () => {
        for (let i = 0; i < 10; i++) await ch.send(i);
        ch.close();
      })();
      const got: number[] = [];
      for await (const v of ch) got.push(v);
      await producer;
      expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it("stops on ok === false, not on a falsy value: undefined, null, 0, false and '' are yielded", async () => {
      const ch = chan<unknown>(5);
      for (const v of [undefined, null, 0, false, ""]) await ch.send(v);
      ch.close();
      const got: unknown[] = [];
      for await (const v of ch) got.push(v);
      expect(got).toEqual([undefined, null, 0, false, ""]);
      expect(got).toHaveLength(5);
    });

    it("over a closed, drained channel runs zero times", async () => {
      const ch = chan<number>(1);
      ch.close();
      let n = 0;
      for await (const _ of ch) n++;
      expect(n).toBe(0);
    });

    it("breaking out does not close the channel and consumes nothing more", async () => {
      const ch = chan<number>(5);
      for (let i = 1; i <= 5; i++) await ch.send(i);
      const got: number[] = [];
      for await (const v of ch) {
        got.push(v);
        if (v === 2) break;
      }
      expect(got).toEqual([1, 2]);
      expect(ch.len).toBe(3);
      expect(ch.trySend(6)).toBe(true); // would throw if the channel had been closed
      const rest: number[] = [];
      for await (const v of ch) {
        rest.push(v);
        if (rest.length === 4) break;
      }
      expect(rest).toEqual([3, 4, 5, 6]);
      expect(() => ch.close()).not.toThrow(); // first close: the loops never closed it
    });

    it("leaving the loop by throwing or returning does not close the channel either", async () => {
      const ch = chan<number>();
      const producer = (async () => {
        for (let i = 0; i < 4; i++) await ch.send(i);
      })();
      await expect(
        (async () => {
          for await (const v of ch) if (v === 1) throw new Error("boom");
        })(),
      ).rejects.toThrow("boom");
      const first = await (async () => {
        for await (const v of ch) return v;
        return -1;
      })();
      expect(first).toBe(2);
      expect(await ch.recv()).toBe(3);
      await producer;
      expect(() => ch.close()).not.toThrow();
    });

    it("a loop parked on an empty channel ends when the channel is closed", async () => {
      const ch = chan<number>();
      const got: number[] = [];
      const loop = track(
        (async () => {
          for await (const v of ch) got.push(v);
        })(),
      );
      await turns(1);
      await ch.send(1);
      await turns(1);
      expect(loop.state).toBe("pending");
      ch.close();
      await turns(1);
      expect(loop.state).toBe("fulfilled");
      expect(got).toEqual([1]);
    });
  });

  describe("cancellation with AbortSignal", () => {
    const aborted = (reason: unknown = new Error("aborted for the test")) => {
      const ac = new AbortController();
      ac.abort(reason);
      return ac.signal;
    };

    it("ops with a live signal use the buffer like ops without: FIFO kept, nothing parks, listeners gone", async () => {
      for (const ch of [chan<unknown>(4), chan<number>(4, { codec: lib.codecs.i32 })]) {
        const { signal } = new AbortController();
        await ch.send(1, { signal });
        await ch.send(2);
        await ch.send(3, {});
        await ch.send(4, { signal });
        expect(ch.trySend(5)).toBe(false); // full: every send above went into the buffer
        expect(await ch.recv({ signal })).toBe(1);
        expect(await ch.recvOk()).toEqual({ value: 2, ok: true });
        expect(await ch.recvOk({ signal })).toEqual({ value: 3, ok: true });
        expect(await ch.recv({})).toBe(4);
        expect(ch.len).toBe(0);
        expect(parked()).toEqual({ senders: 0, receivers: 0 });
        expect(getEventListeners(signal, "abort")).toHaveLength(0);
      }
    });

    it("recv/recvOk with an already-aborted signal reject with signal.reason even though a value is buffered", async () => {
      const ch = chan<number>(2);
      await ch.send(7);
      const reason = new Error("stop");
      const signal = aborted(reason);
      const r = track(ch.recv({ signal }));
      const ro = track(ch.recvOk({ signal }));
      await macrotask();
      expect(r.state).toBe("rejected");
      expect(r.reason).toBe(reason);
      expect(ro.state).toBe("rejected");
      expect(ro.reason).toBe(reason);
      expect(ch.len).toBe(1);
      expect(await ch.recv()).toBe(7);
    });

    it("recv with an already-aborted signal does not take a parked sender's value", async () => {
      const ch = chan<string>();
      const s = track(ch.send("kept"));
      const signal = aborted();
      const r = track(ch.recv({ signal }));
      await macrotask();
      expect(r.state).toBe("rejected");
      expect(r.reason).toBe(signal.reason);
      expect(s.state).toBe("pending");
      expectRecvOk(ch.tryRecv(), "kept", true);
    });

    it("recv with an already-aborted signal rejects even on a closed channel", async () => {
      const ch = chan<number>();
      ch.close();
      const signal = aborted("why");
      const r = track(ch.recvOk({ signal }));
      await macrotask();
      expect(r.state).toBe("rejected");
      expect(r.reason).toBe("why"); // signal.reason as is, not wrapped
    });

    it("send with an already-aborted signal rejects and enqueues nothing, even with buffer space", async () => {
      const ch = chan<number>(2);
      const signal = aborted();
      const s = track(ch.send(1, { signal }));
      await macrotask();
      expect(s.state).toBe("rejected");
      expect(s.reason).toBe(signal.reason);
      expect(ch.len).toBe(0);
      expect(ch.tryRecv()).toBeUndefined();
    });

    it("send with an already-aborted signal does not serve a parked receiver", async () => {
      const ch = chan<string>();
      const r = track(ch.recv());
      const signal = AbortSignal.abort(new Error("static abort"));
      const s = track(ch.send("lost?", { signal }));
      await turns(1);
      expect(s.state).toBe("rejected");
      expect(s.reason).toBe(signal.reason);
      expect(r.state).toBe("pending");
      expect(ch.trySend("real")).toBe(true);
      await macrotask();
      expect(r.value).toBe("real");
    });

    it("the default abort reason (a DOMException) is passed through as signal.reason", async () => {
      const ch = chan<number>();
      const ac = new AbortController();
      const r = track(ch.recv({ signal: ac.signal }));
      ac.abort();
      await macrotask();
      expect(r.state).toBe("rejected");
      expect(r.reason).toBe(ac.signal.reason);
    });

    it.each([0, 2])("aborting a parked recv rejects it with signal.reason and removes its waiter (cap %i)", async (cap) => {
      const ch = chan<number>(cap);
      const base = parked();
      const ac = new AbortController();
      const r = track(ch.recv({ signal: ac.signal }));
      expect(parked().receivers).toBe(base.receivers + 1);
      await turns(1);
      expect(r.state).toBe("pending");
      const reason = { why: "user cancelled" };
      ac.abort(reason);
      expect(parked()).toEqual(base);
      // A send right after the abort must not be matched with the aborted receive.
      if (cap === 0) {
        expect(ch.trySend(1)).toBe(false);
      } else {
        expect(ch.trySend(1)).toBe(true);
        expect(ch.len).toBe(1);
      }
      await macrotask();
      expect(r.state).toBe("rejected");
      expect(r.reason).toBe(reason);
      // The channel still works: a later receive gets a later send.
      const later = track(ch.recv());
      await ch.send(2);
      if (cap > 0) expect(await ch.recv()).toBe(2);
      await macrotask();
      expect(later.value).toBe(cap === 0 ? 2 : 1);
    });

    it("aborting a parked send rejects it with signal.reason and its value is never received", async () => {
      const base = parked();
      const ch = chan<number>();
      const ac = new AbortController();
      const s = track(ch.send(42, { signal: ac.signal }));
      expect(parked().senders).toBe(base.senders + 1);
      await turns(1);
      const reason = new Error("cancel send");
      ac.abort(reason);
      expect(parked()).toEqual(base);
      expect(ch.tryRecv()).toBeUndefined();
      await macrotask();
      expect(s.state).toBe("rejected");
      expect(s.reason).toBe(reason);
      const r = track(ch.recv());
      await turns(1);
      expect(r.state).toBe("pending");
      ch.trySend(43);
      await macrotask();
      expect(r.value).toBe(43);
    });

    it("aborting a send parked on a full buffer leaves the buffer as it was", async () => {
      const ch = chan<number>(1);
      await ch.send(1);
      const ac = new AbortController();
      const s = track(ch.send(2, { signal: ac.signal }));
      ac.abort();
      await macrotask();
      expect(s.state).toBe("rejected");
      expect(ch.len).toBe(1);
      expect(await ch.recv()).toBe(1);
      expect(ch.tryRecv()).toBeUndefined();
    });

    it("aborting a receiver in the middle of the queue keeps the others in order", async () => {
      const ch = chan<string>();
      const ac = new AbortController();
      const r0 = track(ch.recv());
      const r1 = track(ch.recv({ signal: ac.signal }));
      const r2 = track(ch.recv());
      ac.abort();
      expect(ch.trySend("a")).toBe(true);
      expect(ch.trySend("b")).toBe(true);
      expect(ch.trySend("c")).toBe(false);
      await macrotask();
      expect(r0.value).toBe("a");
      expect(r1.state).toBe("rejected");
      expect(r2.value).toBe("b");
    });

    it("aborting a sender in the middle of the queue keeps the others in order", async () => {
      const ch = chan<string>();
      const ac = new AbortController();
      const s0 = track(ch.send("a"));
      const s1 = track(ch.send("b", { signal: ac.signal }));
      const s2 = track(ch.send("c"));
      ac.abort();
      expectRecvOk(ch.tryRecv(), "a", true);
      expectRecvOk(ch.tryRecv(), "c", true);
      expect(ch.tryRecv()).toBeUndefined();
      await macrotask();
      expect([s0.state, s1.state, s2.state]).toEqual(["fulfilled", "rejected", "fulfilled"]);
    });

    it("one signal cancels every op parked with it, across channels", async () => {
      const base = parked();
      const ac = new AbortController();
      const { signal } = ac;
      const a = chan<number>();
      const b = chan<number>(1);
      await b.send(0);
      const ops = [track(a.recv({ signal })), track(a.recvOk({ signal })), track(b.send(1, { signal })), track(b.send(2, { signal }))];
      expect(parked()).toEqual({ senders: base.senders + 2, receivers: base.receivers + 2 });
      ac.abort("all");
      expect(parked()).toEqual(base);
      await macrotask();
      for (const op of ops) {
        expect(op.state).toBe("rejected");
        expect(op.reason).toBe("all");
      }
      expect(await b.recv()).toBe(0);
      expect(b.tryRecv()).toBeUndefined();
    });

    it("ops remove their abort listener once settled: a long-lived signal does not pile up listeners", async () => {
      const ac = new AbortController();
      const { signal } = ac;
      const buffered = chan<number>(1);
      const un = chan<number>();
      for (let i = 0; i < 50; i++) {
        await buffered.send(i, { signal });
        await buffered.recv({ signal });
        const r = un.recvOk({ signal }); // parks, then completed by a send
        await un.send(i, { signal });
        await r;
        const s = un.send(i, { signal }); // parks, then completed by a receive
        await un.recv({ signal });
        await s;
      }
      const closingR = chan<number>();
      const closingS = chan<number>();
      const woken = [closingR.recv({ signal }), closingS.send(1, { signal }).catch((e: unknown) => e)];
      expect(getEventListeners(signal, "abort").length).toBeGreaterThan(0); // the parked ones listen
      closingR.close();
      closingS.close();
      await Promise.all(woken);
      expect(getEventListeners(signal, "abort")).toHaveLength(0);
    });

    it("a recv completed by a send stays completed when the signal aborts in the same tick", async () => {
      const ch = chan<number>();
      const ac = new AbortController();
      const r = track(ch.recv({ signal: ac.signal }));
      const s = track(ch.send(5));
      ac.abort();
      await macrotask();
      expect(r.state).toBe("fulfilled");
      expect(r.value).toBe(5);
      expect(s.state).toBe("fulfilled");
      expect(ch.tryRecv()).toBeUndefined();
    });

    it("a send completed by a recv stays completed when the signal aborts in the same tick", async () => {
      const ch = chan<number>();
      const ac = new AbortController();
      const s = track(ch.send(6, { signal: ac.signal }));
      const r = track(ch.recv());
      ac.abort();
      await macrotask();
      expect(s.state).toBe("fulfilled");
      expect(r.value).toBe(6);
    });

    it("ops that complete at once (buffer space, buffered value) are not undone by a later abort", async () => {
      const ch = chan<number>(1);
      const ac = new AbortController();
      const s = track(ch.send(1, { signal: ac.signal }));
      ac.abort();
      await macrotask();
      expect(s.state).toBe("fulfilled");
      expect(ch.len).toBe(1);
      const ac2 = new AbortController();
      const r = track(ch.recvOk({ signal: ac2.signal }));
      ac2.abort();
      await macrotask();
      expect(r.state).toBe("fulfilled");
      expectRecvOk(r.value, 1, true);
      expect(ch.len).toBe(0);
    });

    it("a recv woken by close stays completed when the signal aborts in the same tick", async () => {
      const ch = chan<number>();
      const ac = new AbortController();
      const r = track(ch.recvOk({ signal: ac.signal }));
      ch.close();
      ac.abort();
      await macrotask();
      expect(r.state).toBe("fulfilled");
      expectRecvOk(r.value, undefined, false);
    });

    it("a send rejected by close reports the close, not a later abort", async () => {
      const ch = chan<number>();
      const ac = new AbortController();
      const s = track(ch.send(1, { signal: ac.signal }));
      ch.close();
      ac.abort("late");
      await macrotask();
      expect(s.state).toBe("rejected");
      expectPanic(lib, s.reason, SEND_CLOSED);
    });

    it("abort in the same tick as the send that completes the parked recv: the value is delivered exactly once", async () => {
      for (const cap of [0, 1]) {
        for (const abortFirst of [false, true]) {
          const ch = chan<string>(cap);
          const ac = new AbortController();
          const r = track(ch.recv({ signal: ac.signal }));
          await turns(1);
          let s: Tracked<void>;
          if (abortFirst) {
            ac.abort();
            s = track(ch.send("v"));
          } else {
            s = track(ch.send("v"));
            ac.abort();
          }
          await macrotask();
          const seen: string[] = [];
          if (r.state === "fulfilled") seen.push(r.value as string);
          else expect(r.reason).toBe(ac.signal.reason);
          const left = ch.tryRecv();
          if (left !== undefined) seen.push(left.value as string);
          expect(seen).toEqual(["v"]);
          await macrotask();
          expect(s.state).toBe("fulfilled");
          if (abortFirst) expect(r.state).toBe("rejected"); // the abort came before any send
        }
      }
    });

    it.each([0, 3])("randomly interleaved sends and aborts of parked receivers lose and duplicate nothing (cap %i)", async (cap) => {
      const rand = rng(1234 + cap);
      const N = 200;
      const base = parked();
      const ch = chan<number>(cap);
      const receivers = Array.from({ length: N }, (_, k) => {
        const ac = new AbortController();
        return { ac, reason: { k }, op: track(ch.recv({ signal: ac.signal })) };
      });
      expect(parked().receivers).toBe(base.receivers + N);
      const steps: Array<() => void> = [];
      const sends: Array<Tracked<void>> = [];
      for (let v = 0; v < N; v++) steps.push(() => void sends.push(track(ch.send(v))));
      for (const rc of receivers) if (rand() < 0.5) steps.push(() => rc.ac.abort(rc.reason));
      for (const step of shuffle(steps, rand)) step(); // all in one tick
      await turns(1);
      const got: number[] = [];
      for (const rc of receivers) {
        if (rc.op.state === "fulfilled") got.push(rc.op.value as number);
        else {
          expect(rc.op.state).toBe("rejected");
          expect(rc.op.reason).toBe(rc.reason);
        }
      }
      for (let r = ch.tryRecv(); r !== undefined; r = ch.tryRecv()) got.push(r.value as number);
      expect(got.sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, v) => v));
      await turns(1);
      expect(sends.every((s) => s.state === "fulfilled")).toBe(true);
      expect(parked()).toEqual(base);
    });

    it.each([0, 3])("randomly interleaved receives and aborts of parked senders: received = completed sends (cap %i)", async (cap) => {
      const rand = rng(99 + cap);
      const N = 200;
      const base = parked();
      const ch = chan<number>(cap);
      const senders = Array.from({ length: N }, (_, v) => {
        const ac = new AbortController();
        return { v, ac, reason: new Error(`abort ${v}`), op: track(ch.send(v, { signal: ac.signal })) };
      });
      const got: number[] = [];
      const steps: Array<() => void> = [];
      for (let i = 0; i < N / 2; i++)
        steps.push(() => {
          const r = ch.tryRecv();
          if (r !== undefined) got.push(r.value as number);
        });
      for (const s of senders) if (rand() < 0.5) steps.push(() => s.ac.abort(s.reason));
      for (const step of shuffle(steps, rand)) step();
      for (let r = ch.tryRecv(); r !== undefined; r = ch.tryRecv()) got.push(r.value as number);
      await turns(1);
      const completed: number[] = [];
      for (const s of senders) {
        if (s.op.state === "fulfilled") completed.push(s.v);
        else {
          expect(s.op.state).toBe("rejected");
          expect(s.op.reason).toBe(s.reason);
        }
      }
      expect(new Set(got).size).toBe(got.length);
      expect(got.sort((x, y) => x - y)).toEqual(completed);
      expect(parked()).toEqual(base);
    });
  });

  describe("many waiters and channels at once (the heap has to grow)", () => {
    it("3000 receivers parked on one channel are served in call order", async () => {
      const base = parked();
      const ch = chan<number>();
      const rs = Array.from({ length: 3000 }, () => ch.recv());
      expect(parked().receivers).toBe(base.receivers + 3000);
      for (let i = 0; i < 3000; i++) expect(ch.trySend(i)).toBe(true);
      expect(await Promise.all(rs)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
      expect(parked()).toEqual(base);
    });

    it("3000 senders parked on one channel are received in call order", async () => {
      const base = parked();
      const ch = chan<number>(1);
      const ss = Array.from({ length: 3001 }, (_, i) => ch.send(i));
      expect(parked().senders).toBe(base.senders + 3000);
      expect(ch.len).toBe(1);
      for (let i = 0; i < 3001; i++) expectRecvOk(ch.tryRecv(), i, true);
      await Promise.all(ss);
      expect(parked()).toEqual(base);
    });

    it("2000 channels with one parked receiver each all get their own value", async () => {
      const chans = Array.from({ length: 2000 }, () => chan<number>());
      const rs = chans.map((c) => c.recv());
      for (let i = 0; i < chans.length; i++) await chans[i].send(i);
      expect(await Promise.all(rs)).toEqual(chans.map((_, i) => i));
    });

    it("len of an early channel and stats() stay right after many channels were made", async () => {
      const first = chan<number>(2);
      await first.send(1);
      const more = Array.from({ length: 5000 }, (_, i) => chan<number>(i % 8));
      const parked = more.map((c) => c.recv()); // a channel takes runtime memory once an op waits on it
      expect(more[4999].cap).toBe(7);
      expect(first.len).toBe(1);
      const s = stats();
      expect(Number.isSafeInteger(s.channels)).toBe(true);
      expect(s.channels).toBeGreaterThanOrEqual(5000);
      expect(s.parkedReceivers).toBeGreaterThanOrEqual(5000);
      for (let i = 0; i < more.length; i++) more[i].trySend(i);
      expect(await Promise.all(parked)).toEqual(more.map((_, i) => i));
      expect(await first.recv()).toBe(1);
    });
  });

  describe("channels of JS values carry values by reference", () => {
    // Not a Promise or other thenable: `await ch.recv()` flattens it, as any Promise API must.
    const obj = { a: 1 };
    const fn = () => 42;
    const sym = Symbol("s");
    const values: Array<[string, unknown]> = [
      ["an object", obj],
      ["an array", [1, 2]],
      ["a function", fn],
      ["undefined", undefined],
      ["null", null],
      ["NaN", NaN],
      ["-0", -0],
      ["a symbol", sym],
      ["a bigint", 2n ** 80n],
      ["a Uint8Array (not copied)", new Uint8Array([1, 2])],
      ["a Map", new Map([[1, 2]])],
      ["a channel", chan<number>(1)],
    ];

    it.each(values)("%s arrives identical (Object.is) through buffer, handoff, parked sender and try ops", async (_, v) => {
      const buffered = chan<unknown>(1);
      await buffered.send(v);
      expect(await buffered.recv()).toBe(v);

      const handoff = chan<unknown>();
      const r = handoff.recvOk();
      await handoff.send(v);
      expectRecvOk(await r, v, true);

      const parkedSend = chan<unknown>();
      const s = parkedSend.send(v);
      expectRecvOk(await parkedSend.recvOk(), v, true);
      await s;

      const tries = chan<unknown>(1);
      expect(tries.trySend(v)).toBe(true);
      expectRecvOk(tries.tryRecv(), v, true);
    });

    it("a received undefined is a real value: recvOk says ok true", async () => {
      const ch = chan<unknown>(1);
      await ch.send(undefined);
      expectRecvOk(await ch.recvOk(), undefined, true);
      ch.close();
      expectRecvOk(await ch.recvOk(), undefined, false);
    });
  });
});
