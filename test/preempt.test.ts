// Cooperative preemption: a receive loop over a channel that always holds values lets the event loop
// run (timers fire during it) once its operations have run back to back for longer than the budget —
// and not at all with preemption off — while every value still arrives once, in FIFO order. The
// other suites run with preemption on (the default): Go's ordering guarantees are theirs to check.
import { afterEach, describe, expect, it } from "vitest";
import { cores } from "./cores.js";

const DURATION_MS = 300;

describe.each(cores)("$name core: preemption", ({ lib }) => {
  const { chan, codecs, preemption, select, recv } = lib;
  afterEach(() => {
    preemption.budgetMs = 10;
  });

  /** A producer keeps a buffered channel full while a consumer receives for DURATION_MS, with a 1 ms
   *  interval timer running: how often the timer fired during the loop, the longest gap between its
   *  ticks, and whether every value came once, in order. */
  async function loop(kind: "recv" | "recvOk" | "iterate" | "select" | "recvMany") {
    const ch = chan(1024, codecs.i32);
    let sent = 0;
    let stop = false;
    const producer = (async () => {
      while (!stop) await ch.send(sent++);
      ch.close();
    })();
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
      for await (const v of ch) {
        take(v);
        if (performance.now() - t0 > DURATION_MS) stop = true;
      }
    } else {
      while (performance.now() - t0 < DURATION_MS) {
        if (kind === "recv") take(await ch.recv());
        else if (kind === "recvOk") take((await ch.recvOk()).value);
        else if (kind === "select") take((await select([recv(ch)])).value as number);
        else for (const v of await ch.recvMany(16)) take(v);
      }
      stop = true;
      for await (const v of ch) take(v); // drain what the producer sent until it saw `stop`
    }
    const end = performance.now();
    clearInterval(timer);
    await producer;
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

  it("with preemption off (budgetMs = 0) the same loop starves the timer: it is what lets the event loop in", async () => {
    preemption.budgetMs = 0;
    const r = await loop("recv");
    expect(r.inOrder).toBe(true);
    expect(r.fired).toBe(0);
  }, 30_000);
});
