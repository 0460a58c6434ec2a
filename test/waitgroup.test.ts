// WaitGroup: Go's sync.WaitGroup across threads — the counter's rules (never below 0, nothing changed by
// a refused add), waiters released by the zero they waited for even if the group is reused at once,
// abort and timeout, and the idiom it exists for: workers sending results, the main thread closing the
// channel once the last of them is done and ranging over it, every value accounted for.
import { describe, expect, it } from "vitest";
import { getEventListeners } from "node:events";
import { cores } from "./cores";
import { inWorker, track, turns } from "./util";

describe.each(cores)("$name entry: WaitGroup", ({ lib }) => {
  const { WaitGroup } = lib;

  it("wait resolves once the counter is zero, at once if it is", async () => {
    const wg = new WaitGroup();
    await wg.wait();
    wg.add(2);
    const w = track(wg.wait());
    wg.done();
    await turns();
    expect(w.state).toBe("pending");
    expect(wg.count).toBe(1);
    wg.done();
    await turns();
    expect(w.state).toBe("fulfilled");
  });

  it("many waits on one AbortSignal add one listener to it, taken off once they end", async () => {
    const wg = new WaitGroup();
    wg.add(1);
    const ac = new AbortController();
    const waits = Array.from({ length: 20 }, () => wg.wait({ signal: ac.signal }));
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
    wg.done();
    await Promise.all(waits);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
    wg.add(1);
    const w = wg.wait({ signal: ac.signal });
    ac.abort("stop");
    await expect(w).rejects.toBe("stop");
    wg.done();
  });

  it("a negative counter is refused (Go's panic text) and changes nothing; so are bad deltas", () => {
    const wg = new WaitGroup();
    wg.add(1);
    expect(() => wg.add(-2)).toThrow("sync: negative WaitGroup counter");
    expect(() => wg.add(1.5)).toThrow(RangeError);
    expect(() => wg.add("1" as never)).toThrow(RangeError);
    expect(() => wg.add(2 ** 31)).toThrow(RangeError);
    expect(wg.count).toBe(1);
    wg.done();
    expect(() => wg.done()).toThrow(RangeError);
    expect(wg.count).toBe(0);
  });

  it("a waiter is released by the zero it waited for, even if the group is reused before it runs", async () => {
    const wg = new WaitGroup();
    wg.add(1);
    const w = track(wg.wait());
    wg.done();
    wg.add(1); // the next batch starts at once
    await turns();
    expect(w.state).toBe("fulfilled");
    const next = track(wg.wait());
    await turns();
    expect(next.state).toBe("pending");
    wg.done();
    await turns();
    expect(next.state).toBe("fulfilled");
  });

  it("{ signal }: an abort rejects the wait with its reason; already aborted, at once", async () => {
    const wg = new WaitGroup();
    wg.add(1);
    const ac = new AbortController();
    const w = track(wg.wait({ signal: ac.signal }));
    ac.abort(new Error("stop"));
    await turns();
    expect(w.state).toBe("rejected");
    expect((w.reason as Error).message).toBe("stop");
    await expect(wg.wait({ signal: AbortSignal.abort("now") })).rejects.toBe("now");
    expect(() => wg.wait({ signal: {} } as never)).toThrow(TypeError);
  });

  it("shows its counter, not its state", async () => {
    const { inspect } = await import("node:util");
    const wg = new WaitGroup();
    wg.add(3);
    expect(inspect(wg)).toBe("WaitGroup { count: 3 }");
  });
});

describe("WaitGroup across threads", () => {
  const lib = cores[0].lib as typeof import("wasmchan");

  it("4 workers send results and call done(); the main thread closes results when the last is done and ranges over them", async () => {
    const heap = await lib.SharedHeap.create();
    const results = heap.chan(64, lib.codecs.i32);
    const wg = new lib.WaitGroup();
    const W = 4, N = 5000;
    wg.add(W);
    const workers = Array.from({ length: W }, (_, w) => inWorker(`
      const results = await lib.attach(workerData.d);
      const wg = new lib.WaitGroup(workerData.wg);
      for (let i = 0; i < workerData.N; i++) results.sendSync(workerData.w * workerData.N + i);
      wg.done();
    `, { d: results.share(), wg: wg.share(), N, w }));
    void wg.wait().then(() => results.close()); // Go: go func() { wg.Wait(); close(results) }()
    const seen = new Uint8Array(W * N);
    let n = 0;
    for await (const v of results) {
      expect(seen[v]).toBe(0);
      seen[v] = 1;
      n++;
    }
    await Promise.all(workers);
    expect(n).toBe(W * N);
    expect(wg.count).toBe(0);
  }, 60_000);

  it("waitSync in a worker returns once the main thread's work is done; with { timeout } it gives up", async () => {
    const wg = new lib.WaitGroup(), started = new lib.WaitGroup();
    wg.add(1);
    started.add(1);
    const worker = inWorker(`
      const wg = new lib.WaitGroup(workerData.wg);
      let timedOut = false;
      try { wg.waitSync({ timeout: 5 }); } catch (e) { timedOut = e.name === "TimeoutError"; }
      new lib.WaitGroup(workerData.started).done();
      const t0 = performance.now();
      wg.waitSync();
      return { timedOut, waited: performance.now() - t0 };
    `, { wg: wg.share(), started: started.share() });
    await started.wait(); // the worker timed out once and waits again
    await new Promise((r) => setTimeout(r, 100));
    wg.done();
    const r = (await worker) as { timedOut: boolean; waited: number };
    expect(r.timedOut).toBe(true);
    expect(r.waited).toBeGreaterThan(20);
  });

  it("a descriptor that is not one is refused", () => {
    expect(() => new lib.WaitGroup({ wasmchan: 1, waitGroup: new ArrayBuffer(8) } as never)).toThrow(TypeError);
    expect(() => new lib.WaitGroup(5 as never)).toThrow(TypeError);
  });
});
