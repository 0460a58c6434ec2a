// Go's own channel tests, ported by name so they can be read side by side with the originals:
//   src/runtime/chan_test.go   TestChan, TestNonblockRecvRace, TestChanSendInterface,
//                              TestMultiConsumer, TestShrinkStackDuringBlockedSend
//   test/chan/fifo.go          AsynchFifo, SynchFifo
//   test/chan/goroutines.go    a long chain of goroutines
//   test/chan/nonblock.go      non-blocking send/receive with i32, i64, bool and string channels
//   test/chan/sieve1.go        the prime sieve
//   test/chan/sendstmt.go      chanchan (a channel of channels)
//   test/closedchan.go         operations on closed channels
// A goroutine is an async function; "blocks" means its promise is still pending after the event
// loop has had several turns (see util.turns). Select-based tests are ported with select.
import { describe, expect, it } from "vitest";
import { cores } from "./cores";
import { expectPanic, expectRecvOk, macrotask, thrown, track, turns } from "./util";

/** runtime.Gosched(): let every other ready goroutine run. */
const gosched = macrotask;

describe.each(cores.map((c) => [c.name, c.lib] as const))("%s core", (_, lib) => {
  const { chan, codecs, stats } = lib;
  type Ch = ReturnType<typeof chan<number>>;

  // TestChan uses `chan int`: run it on a channel of JS values (zero value undefined) and on
  // an i32 channel (zero value 0, like Go's int).
  const flavours = [
    { name: "chan of JS values", make: (cap: number): Ch => chan<number>(cap), zero: undefined as number | undefined },
    { name: "chan i32", make: (cap: number): Ch => (chan as any)(cap, { codec: codecs.i32 }) as Ch, zero: 0 as number | undefined },
  ];

  describe("TestChan", () => {
    const N = 20; // Go's testing.Short() value
    const caps = Array.from({ length: N }, (_, i) => i);

    describe.each(flavours.map((f) => [f.name, f] as const))("%s", (_, { make, zero }) => {
      it.each(caps)("chan[%i]", async (chanCap) => {
        {
          // Ensure that receive from empty chan blocks.
          const c = make(chanCap);
          let recv1 = false;
          const g1 = (async () => {
            await c.recv();
            recv1 = true;
          })();
          let recv2 = false;
          const g2 = (async () => {
            await c.recvOk();
            recv2 = true;
          })();
          await turns();
          expect(recv1 || recv2, "receive from empty chan").toBe(false);
          // Ensure that non-blocking receive does not block.
          expect(c.tryRecv(), "receive from empty chan").toBeUndefined();
          expect(c.tryRecv(), "receive from empty chan").toBeUndefined();
          await c.send(0);
          await c.send(0);
          await Promise.all([g1, g2]);
          expect(recv1 && recv2).toBe(true);
        }

        {
          // Ensure that send to full chan blocks.
          const c = make(chanCap);
          for (let i = 0; i < chanCap; i++) await c.send(i);
          let sent = false;
          const g = (async () => {
            await c.send(0);
            sent = true;
          })();
          await turns();
          expect(sent, "send to full chan").toBe(false);
          // Ensure that non-blocking send does not block.
          expect(c.trySend(0), "send to full chan").toBe(false);
          await c.recv();
          await g;
          expect(sent).toBe(true);
        }

        {
          // Ensure that we receive 0 from closed chan.
          const c = make(chanCap);
          for (let i = 0; i < chanCap; i++) await c.send(i);
          c.close();
          for (let i = 0; i < chanCap; i++) expect(await c.recv()).toBe(i);
          expect(await c.recv()).toBe(zero);
          expectRecvOk(await c.recvOk(), zero, false);
        }

        {
          // Ensure that close unblocks receive.
          const c = make(chanCap);
          const done = chan<boolean>();
          const g = (async () => {
            const { value, ok } = await c.recvOk();
            await done.send(value === zero && ok === false);
          })();
          await turns();
          c.close();
          expect(await done.recv(), "received non zero from closed chan").toBe(true);
          await g;
        }

        {
          // Ensure that close unblocks send, which panics (API.md: the parked send rejects).
          const c = make(chanCap);
          for (let i = 0; i < chanCap; i++) await c.send(i);
          const g = (async () => {
            try {
              await c.send(-1);
              return "sent";
            } catch (e) {
              return e;
            }
          })();
          await turns();
          c.close();
          expectPanic(lib, await g, "send on closed channel");
          for (let i = 0; i < chanCap; i++) expect(await c.recv()).toBe(i);
          expectRecvOk(await c.recvOk(), zero, false);
        }

        {
          // Send 100 integers, ensure that we receive them non-corrupted in FIFO order.
          const c = make(chanCap);
          const g1 = (async () => {
            for (let i = 0; i < 100; i++) await c.send(i);
          })();
          for (let i = 0; i < 100; i++) expect(await c.recv()).toBe(i);
          await g1;

          // Same, but using recv2.
          const g2 = (async () => {
            for (let i = 0; i < 100; i++) await c.send(i);
          })();
          for (let i = 0; i < 100; i++) {
            const { value, ok } = await c.recvOk();
            expect(ok, `receive failed, expected ${i}`).toBe(true);
            expect(value).toBe(i);
          }
          await g2;

          // Send L integers in P goroutines, ensure that we receive what we send.
          const P = 4;
          const L = 250; // Go: 1000
          const senders = Array.from({ length: P }, async () => {
            for (let i = 0; i < L; i++) await c.send(i);
          });
          const done = chan<Map<number, number>>();
          const receivers = Array.from({ length: P }, async () => {
            const recv = new Map<number, number>();
            for (let i = 0; i < L; i++) {
              const v = (await c.recv()) as number;
              recv.set(v, (recv.get(v) ?? 0) + 1);
            }
            await done.send(recv);
          });
          const recv = new Map<number, number>();
          for (let p = 0; p < P; p++) {
            for (const [k, v] of await done.recv()) recv.set(k, (recv.get(k) ?? 0) + v);
          }
          await Promise.all([...senders, ...receivers]);
          expect(recv.size).toBe(L);
          for (const [, v] of recv) expect(v).toBe(P);
        }

        {
          // Test len/cap.
          const c = make(chanCap);
          expect([c.len, c.cap]).toEqual([0, chanCap]);
          for (let i = 0; i < chanCap; i++) await c.send(i);
          expect([c.len, c.cap]).toEqual([chanCap, chanCap]);
        }
      });
    });
  });

  describe("TestNonblockRecvRace", () => {
    it("a non-blocking receive racing with close always finds the channel ready", async () => {
      const n = 100;
      for (let i = 0; i < n; i++) {
        const c = chan<number>(1);
        await c.send(1);
        // Vary where the "goroutine" runs relative to close(c) and <-c.
        const delay = i % 4;
        const g = (async () => {
          if (delay === 1) await null;
          if (delay === 2) await Promise.resolve().then(() => null);
          if (delay === 3) await macrotask();
          return c.tryRecv();
        })();
        c.close();
        const main = await c.recvOk();
        const r = await g;
        expect(r, "chan is not ready").not.toBeUndefined();
        // Exactly one of the two receives got the 1; the other saw the closed channel.
        const oks = [r!, main].filter((x) => x.ok);
        expect(oks).toHaveLength(1);
        expect(oks[0].value).toBe(1);
      }
    });
  });

  describe("TestChanSendInterface", () => {
    it("non-blocking sends of interface values to a full channel do not block or replace", async () => {
      const m = { mt: true };
      const c = chan<object>(1);
      await c.send(m);
      expect(c.trySend(m)).toBe(false);
      expect(c.trySend(m)).toBe(false);
      expect(c.trySend({ mt: true })).toBe(false);
      expect(c.len).toBe(1);
      expect(await c.recv()).toBe(m);
    });
  });

  describe("TestMultiConsumer", () => {
    it.each(flavours.map((f) => [f.name, f] as const))("%s: every value is delivered exactly once", async (_, { make }) => {
      const nwork = 23;
      const niter = 27183; // Go: 271828
      const pn = [2, 3, 7, 11, 13, 17, 19, 23, 27, 31];

      const q = make(nwork * 3);
      const r = make(nwork * 3);

      // workers
      const workers = Array.from({ length: nwork }, async (_, w) => {
        for await (const v of q) {
          // mess with the fifo-ish nature of range
          if (pn[w % pn.length] === v) await gosched();
          await r.send(v);
        }
      });

      // feeder & closer
      let expect_ = 0;
      const sent = new Map<number, number>();
      const feeder = (async () => {
        for (let i = 0; i < niter; i++) {
          const v = pn[i % pn.length];
          expect_ += v;
          sent.set(v, (sent.get(v) ?? 0) + 1);
          await q.send(v);
        }
        q.close(); // no more work
        await Promise.all(workers); // workers done
        r.close(); // ... so there can be no more results
      })();

      // consume & check
      let n = 0;
      let s = 0;
      const seen = new Map<number, number>();
      for await (const v of r) {
        n++;
        s += v;
        seen.set(v, (seen.get(v) ?? 0) + 1);
      }
      await feeder;
      expect({ n, s }).toEqual({ n: niter, s: expect_ });
      expect(seen).toEqual(sent);
    });
  });

  describe("TestShrinkStackDuringBlockedSend", () => {
    it("a sender that blocks again after every send still delivers in order", async () => {
      const n = 10;
      const c = chan<number>();
      const done = chan<object>();
      const g = (async () => {
        for (let i = 0; i < n; i++) {
          await c.send(i);
          // use lots of stack, briefly (here: a deep chain of awaits).
          const grow = async (k: number): Promise<number> => (k === 0 ? 0 : 1 + (await grow(k - 1)));
          await grow(20);
        }
        await done.send({});
      })();
      for (let i = 0; i < n; i++) {
        expect(await c.recv(), "bad channel read").toBe(i);
        // Waste some time so the sender can finish and block in its next send.
        await turns(1);
      }
      await done.recv();
      await g;
    });
  });

  describe("test/chan/fifo.go", () => {
    const N = 10;

    it("AsynchFifo", async () => {
      const ch = chan<number>(N);
      for (let i = 0; i < N; i++) await ch.send(i);
      for (let i = 0; i < N; i++) expect(await ch.recv(), "bad receive").toBe(i);
    });

    // Chain: wait for the go-ahead on `in`, receive from ch (which must be `val`), pass the token on.
    async function Chain(ch: Ch, val: number, in_: Ch, out: Ch): Promise<void> {
      await in_.recv();
      const v = await ch.recv();
      if (v !== val) throw new Error(`panic(${val}): got ${v}`);
      await out.send(1);
    }

    it.each([N, 500])("SynchFifo: a daisy chain of %i goroutines reads the unbuffered channel in sequence", async (n) => {
      const ch = chan<number>();
      let in_ = chan<number>();
      const start = in_;
      const gs: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        const out = chan<number>();
        gs.push(Chain(ch, i, in_, out));
        in_ = out;
      }
      await start.send(0);
      for (let i = 0; i < n; i++) await ch.send(i);
      await in_.recv();
      await Promise.all(gs);
    });
  });

  describe("test/chan/goroutines.go", () => {
    it("threads a value through 2000 goroutines chained by unbuffered channels", async () => {
      const n = 2000; // Go: 10000
      const f = async (left: Ch, right: Ch) => {
        await left.send((await right.recv()) as number);
      };
      const leftmost = chan<number>();
      let right = leftmost;
      let left = leftmost;
      const gs: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        right = chan<number>();
        gs.push(f(left, right));
        left = right;
      }
      const last = right;
      gs.push((async () => void (await last.send(1)))());
      expect(await leftmost.recv()).toBe(1);
      await Promise.all(gs);
    });
  });

  describe("test/chan/nonblock.go", () => {
    it.each([0, 1])("non-blocking operations on i32, i64, bool and string channels (buffer %i)", async (buffer) => {
      const sleep = () => turns(2);
      const sync = chan<boolean>();
      const c32 = (chan as any)(buffer, { codec: codecs.i32 });
      const c64 = (chan as any)(buffer, { codec: codecs.i64 });
      const cb = (chan as any)(buffer, { codec: codecs.bool });
      const cs = (chan as any)(buffer, { codec: codecs.string(64) });

      expect(c32.tryRecv(), "blocked i32sender").toBeUndefined();
      expect(c64.tryRecv(), "blocked i64sender").toBeUndefined();
      expect(cb.tryRecv(), "blocked bsender").toBeUndefined();
      expect(cs.tryRecv(), "blocked ssender").toBeUndefined();

      const kinds = [
        { c: c32, toRecv: 123, toSend: 234, name: "i32" },
        { c: c64, toRecv: 123456n, toSend: 234567n, name: "i64" },
        { c: cb, toRecv: true, toSend: true, name: "b" },
        { c: cs, toRecv: "hello", toSend: "hello again", name: "s" },
      ];
      for (const { c, toRecv, toSend, name } of kinds) {
        // receiver goroutine, then a non-blocking send that must find it (or buffer space)
        const receiver = (async () => {
          if ((await c.recv()) !== toRecv) throw new Error(`${name} value`);
          await sync.send(true);
        })();
        await sleep();
        expect(c.trySend(toRecv), `${name}receiver`).toBe(true);
        await sync.recv();
        await receiver;

        // sender goroutine, then a non-blocking receive that must find it (or the buffered value)
        const sender = (async () => {
          await c.send(toSend);
          await sync.send(true);
        })();
        if (buffer > 0) await sync.recv();
        else await sleep();
        const r = c.tryRecv();
        expect(r, `${name}sender`).not.toBeUndefined();
        expect(r.ok).toBe(true);
        expect(r.value, `${name}sender value`).toBe(toSend);
        if (buffer === 0) await sync.recv();
        await sender;
      }
    });
  });

  describe("test/chan/sieve1.go", () => {
    it("generates the primes below 100 through a chain of filters, then tears it down", async () => {
      const base = stats();
      const ac = new AbortController();
      const opts = { signal: ac.signal };
      const stop = new Error("test over");
      const gs: Promise<void>[] = [];
      const go = (f: () => Promise<void>) =>
        gs.push(
          f().catch((e) => {
            if (e !== stop) throw e;
          }),
        );

      // Send the sequence 2, 3, 4, ... to channel 'ch'.
      const Generate = async (ch: Ch) => {
        for (let i = 2; ; i++) await ch.send(i, opts);
      };
      // Copy the values from channel 'in' to channel 'out', removing those divisible by 'prime'.
      const Filter = async (in_: Ch, out: Ch, prime: number) => {
        for (;;) {
          const { value: i, ok } = await in_.recvOk(opts);
          if (!ok) return;
          if ((i as number) % prime !== 0) await out.send(i as number, opts);
        }
      };
      // The prime sieve: Daisy-chain Filter processes together.
      const Sieve = async (primes: Ch) => {
        let ch = chan<number>();
        const first = ch;
        go(() => Generate(first));
        for (;;) {
          const prime = (await ch.recv(opts)) as number;
          await primes.send(prime, opts);
          const ch1 = chan<number>();
          const from = ch;
          go(() => Filter(from, ch1, prime));
          ch = ch1;
        }
      };

      const primes = chan<number>();
      go(() => Sieve(primes));
      const a = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97];
      for (const want of a) expect(await primes.recv()).toBe(want);

      // Every goroutine is parked with `opts`: aborting releases them all and leaves no waiter.
      ac.abort(stop);
      await Promise.all(gs);
      const after = stats();
      expect(after.parkedSenders).toBe(base.parkedSenders);
      expect(after.parkedReceivers).toBe(base.parkedReceivers);
    });
  });

  describe("test/chan/sendstmt.go", () => {
    it("chanchan: a channel received from a channel of channels is the same channel", async () => {
      const cc = chan<Ch>(1);
      const c = chan<number>(1);
      await cc.send(c);
      const got = (await cc.recv()) as Ch;
      expect(got).toBe(c);
      expect(got.trySend(2), "nonblock").toBe(true);
      expect(await c.recv(), "bad receive").toBe(2);
    });

    it("sendprec: c <- false || true sends true", async () => {
      const c = (chan as any)(1, { codec: codecs.bool });
      await c.send(false || true);
      expect(await c.recv(), "sent false").toBe(true);
    });
  });

  describe("test/closedchan.go", () => {
    // The direct-operation (XChan) variants; the select variants come with select.
    async function test1(c: Ch) {
      for (let i = 0; i < 3; i++) {
        // recv a close signal (a zero value)
        expect(await c.recv(), "recv on closed").toBeUndefined();
        expectRecvOk(await c.recvOk(), undefined, false);
        // should work with select: received a value without blocking, so selected == true.
        const nb = c.tryRecv();
        expect(nb, "recv on closed nb").not.toBeUndefined();
        expectRecvOk(nb, undefined, false);
      }
      // send should panic; the value is discarded.
      expectPanic(lib, thrown(() => c.trySend(1)), "send on closed channel");
      expect(await c.recv(), "recv on closed got non-zero after send on closed").toBeUndefined();
      // similarly Send.
      const err = await c.send(2).then(
        () => "no panic",
        (e: unknown) => e,
      );
      expectPanic(lib, err, "send on closed channel");
      expect(await c.recv(), "recv on closed got non-zero after send on closed").toBeUndefined();
    }

    const closedsync = () => {
      const c = chan<number>();
      c.close();
      return c;
    };
    const closedasync = async () => {
      const c = chan<number>(2);
      await c.send(1);
      c.close();
      return c;
    };

    it("test1(closedsync())", async () => {
      await test1(closedsync());
    });

    it("testasync1: the last value via Recv", async () => {
      const c = await closedasync();
      expect(await c.recv(), "Recv did not get 1").toBe(1);
      await test1(c);
    });

    it("testasync2: the last value via Recv2", async () => {
      const c = await closedasync();
      expectRecvOk(await c.recvOk(), 1, true);
      await test1(c);
    });

    it("testasync3/4: the last value via Nbrecv/Nbrecv2", async () => {
      const c = await closedasync();
      expectRecvOk(c.tryRecv(), 1, true);
      await test1(c);
    });

    it("close of a closed channel panics", () => {
      const ch = chan<number>();
      ch.close();
      expectPanic(lib, thrown(() => ch.close()), "close of closed channel");
    });
  });

  describe("blocking is observable without timing", () => {
    it("a blocked op stays blocked however many turns pass (no spurious wakeups)", async () => {
      const c = chan<number>();
      const r = track(c.recv());
      for (let i = 0; i < 5; i++) {
        await turns(2);
        expect(r.state).toBe("pending");
      }
      c.close();
      await macrotask();
      expect(r.state).toBe("fulfilled");
    });
  });
});
