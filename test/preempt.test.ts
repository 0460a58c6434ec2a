// Cooperative preemption: a receive loop over a channel that always holds values lets the event loop
// run (timers fire during it) once its operations have run back to back for longer than the budget —
// and not at all with preemption off — while every value still arrives once, in FIFO order. The
// other suites run with preemption on (the default): Go's ordering guarantees are theirs to check.
import { afterEach, describe, expect, it } from "vitest";
import { cores } from "./cores.js";
import { preemptTuning } from "../dist/api/preempt.js";
import { macrotask } from "../dist/platform.js";
import { readFile } from "node:fs";
import { fileURLToPath } from "node:url";

const DURATION_MS = 300;

describe.each(cores)("$name core: preemption", ({ lib }) => {
  const { chan, codecs, preemption, select, recv, diagnostics } = lib;
  afterEach(() => {
    preemption.budgetMs = 10;
  });

  /** A producer keeps a buffered channel full while a consumer receives for DURATION_MS, with a 1 ms
   *  interval timer running: how often the timer fired during the loop, the longest gap between its
   *  ticks, and whether every value came once, in order. */
  async function loop(kind: "recv" | "recvOk" | "iterate" | "select" | "recvMany") {
    // The consumer refills the channel itself, with trySend: nothing else in the loop ever waits, so
    // only the receive being measured can give the event loop a turn.
    const ch = chan(1024, codecs.i32);
    let sent = 0;
    const refill = () => {
      while (ch.trySend(sent)) sent++;
    };
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 1);
    const t0 = performance.now();
    let next = 0;
    let inOrder = true;
    const take = (v: number) => {
      if (v !== next) inOrder = false;
      next = v + 1;
    };
    if (kind === "iterate") {
      refill();
      for await (const v of ch) {
        take(v);
        if (performance.now() - t0 > DURATION_MS) break;
        refill();
      }
    } else {
      while (performance.now() - t0 < DURATION_MS) {
        refill();
        if (kind === "recv") take(await ch.recv());
        else if (kind === "recvOk") take((await ch.recvOk()).value);
        else if (kind === "select") take((await select([recv(ch)])).value as number);
        else for (const v of await ch.recvMany(16)) take(v);
      }
    }
    const end = performance.now();
    clearInterval(timer);
    ch.close();
    for await (const v of ch) take(v); // what is left
    const during = ticks.filter((t) => t < end);
    let gap = 0;
    for (let i = 1, prev = t0; i <= during.length; i++) {
      const t = i < during.length ? during[i] : end;
      gap = Math.max(gap, t - prev);
      prev = t;
    }
    return { fired: during.length, gap, inOrder, all: next === sent };
  }

  const loops = { recv: "an await recv()", recvOk: "an await recvOk()", iterate: "a for await", select: "an await select()", recvMany: "an await recvMany(16)" } as const;
  for (const kind of Object.keys(loops) as (keyof typeof loops)[]) {
    it(`${loops[kind]} loop over a channel that is always full lets timers fire, and keeps FIFO`, async () => {
      preemption.budgetMs = 10;
      const r = await loop(kind);
      expect(r.inOrder).toBe(true);
      expect(r.all).toBe(true);
      expect(r.fired).toBeGreaterThan(3); // ~ DURATION_MS / budget turns of the event loop
    }, 30_000);
  }

  // Found by S8 (a pool's pump settling 256 tasks per recvMany): a batch counted as one operation, so
  // after a cheap phase had stretched the looks at the clock to one every 256 operations, a loop doing
  // ~1 ms of work per batch looked once every ~256 ms. A batch now counts as the values it moved.
  it("a recvMany(256) loop with work on each value, after a cheap phase, still lets timers fire about every budget", async () => {
    preemption.budgetMs = 10;
    const ch = chan(1024, codecs.i32);
    let sent = 0, got = 0;
    const refill = () => {
      while (ch.trySend(sent)) sent++;
    };
    for (let i = 0; i < 20_000; i++) {
      refill();
      if ((await ch.recv()) !== got++) throw new Error("out of order");
    }
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 1);
    const t0 = performance.now();
    while (performance.now() - t0 < 2 * DURATION_MS) {
      refill();
      for (const v of await ch.recvMany(256)) {
        if (v !== got++) throw new Error("out of order");
        const end = performance.now() + 0.004; // the caller's work on each value: ~1 ms a batch
        while (performance.now() < end);
      }
    }
    clearInterval(timer);
    expect(ticks.length).toBeGreaterThan(30); // ~60 turns of 10 ms; counted as one operation a batch: 13–16
  }, 30_000);

  // Found in review: the mark that an operation parked was set before the park took its stack trace,
  // and user code run there (Error.prepareStackTrace) made channel ops that cleared it: the parked
  // recv was then taken for one that completed at once and resolved with undefined, not its value.
  it("a recv that parks while user code makes channel ops (a prepareStackTrace) still gets its value, when every Promise is deferred", async () => {
    const other = chan<number>(1024);
    const prep = (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = (_e: unknown, frames: unknown[]) => {
      other.trySend(1);
      void other.send(2);
      return String(frames.length);
    };
    diagnostics.enable({ stacks: true });
    preemptTuning.always = true;
    try {
      const ch = chan<number>(0);
      const got = ch.recv(); // parks, taking a stack
      const sent = ch.send(42);
      expect(await got).toBe(42);
      await sent;
      const sel = select([recv(ch)]); // a select that parks, the same way
      void ch.send(43);
      expect((await sel).value).toBe(43);
    } finally {
      preemptTuning.always = false;
      diagnostics.disable();
      (Error as { prepareStackTrace?: unknown }).prepareStackTrace = prep;
    }
  });

  it("a setTimeout(0) set before a long buffered receive loop runs during it, not after", async () => {
    const ch = chan(1 << 16, codecs.i32);
    let fired = -1;
    const t0 = performance.now();
    setTimeout(() => (fired = performance.now() - t0), 0);
    let n = 0;
    while (performance.now() - t0 < DURATION_MS) {
      while (ch.trySend(n++)); // the loop below never has to wait for a value
      while (ch.len > 0) await ch.recv();
    }
    expect(fired).toBeGreaterThanOrEqual(0);
    expect(fired).toBeLessThan(DURATION_MS / 2);
  }, 30_000);

  /** Two async tasks on one thread that only ever wait for each other: every operation completes in
   *  a microtask, so without preemption the event loop never runs. How often a 1 ms timer fired. */
  async function pingPong(cap: number): Promise<{ fired: number; all: boolean }> {
    const ch = chan(cap, codecs.i32);
    const back = chan(cap, codecs.i32);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    let stop = false;
    let sum = 0;
    let sent = 0;
    const echo = (async () => {
      for await (const v of ch) await back.send(v);
      back.close();
    })();
    const recv = (async () => {
      for await (const v of back) sum += v;
    })();
    while (!stop) {
      await ch.send(++sent);
      if (performance.now() - t0 > DURATION_MS) stop = true;
    }
    ch.close();
    await Promise.all([echo, recv]);
    clearInterval(timer);
    return { fired: ticks, all: sum === (sent * (sent + 1)) / 2 };
  }

  for (const cap of [0, 64]) {
    it(`a pipeline of await send()/for await loops over ${cap === 0 ? "unbuffered" : "buffered"} channels on one thread lets timers fire; every value arrives once`, async () => {
      const r = await pingPong(cap);
      expect(r.all).toBe(true);
      expect(r.fired).toBeGreaterThan(3);
    }, 30_000);
  }

  it("with preemption off (budgetMs = 0) the same loop starves the timer: it is what lets the event loop in", async () => {
    preemption.budgetMs = 0;
    const r = await loop("recv");
    expect(r.inOrder).toBe(true);
    expect(r.fired).toBe(0);
    const p = await pingPong(0);
    expect(p.all).toBe(true);
    expect(p.fired).toBe(0);
  }, 30_000);
});

// Found by S8: code woken by I/O (Node's poll phase) that went over budget ended its slice with one
// setImmediate, which ran in that same loop iteration's check phase — before the timers phase — so two
// slices ran back to back between timers (a pool's 10 ms timer waited 25–45 ms). A slice's end waits
// for the timers that are due.
describe("the macrotask that ends a slice", () => {
  it("set from an I/O callback, runs after a timer that was due", async () => {
    const order: string[] = [];
    await new Promise<void>((done) => {
      readFile(fileURLToPath(import.meta.url), () => {
        setTimeout(() => order.push("timer"), 0);
        const t = performance.now();
        while (performance.now() - t < 3); // the timer is due
        macrotask(() => {
          order.push("slice end");
          setTimeout(done, 5);
        });
      });
    });
    expect(order).toEqual(["timer", "slice end"]);
  });
});
