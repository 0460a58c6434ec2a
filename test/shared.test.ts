// Channels in shared Wasm memory across Node worker_threads: Go's semantics across threads, with every
// value accounted for exactly once (a shared "seen" array that consumers mark with Atomics.add).
import { Worker } from "node:worker_threads";
import { HCHAN_SHARED_SIZE } from "../dist/abi/layout.js";
import { describe, expect, it } from "vitest";
import { SharedHeap, attach, codecs, select, recv, ChannelError, type ChanDescriptor } from "wasmchan";
import { inWorker, runtimeArgs } from "./util.js";

const workerUrl = new URL("./workers/mpmc.mjs", import.meta.url);

/** Another thread attaches the channel of descriptor `d` and disposes it (for every thread). */
const disposeElsewhere = (d: ChanDescriptor): Promise<unknown> => inWorker("(await lib.attach(workerData)).dispose();", d);

function run(workerData: Record<string, unknown>): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerUrl, { workerData });
    let count = -1;
    w.on("message", (m) => { if (m.done) count = m.count; });
    w.on("error", reject);
    w.on("exit", (code) => (code === 0 && count >= 0 ? resolve(count) : reject(new Error(`worker exited ${code}`))));
  });
}

async function mpmc(cap: number, producers: number, consumers: number, perProducer: number, mode: string) {
  const heap = await SharedHeap.create({ maxBytes: 32 << 20 });
  const ch = heap.chan(cap, codecs.i32);
  const spare = heap.chan(0, codecs.i32);
  const total = producers * perProducer;
  const seen = new SharedArrayBuffer(total * 4);
  const modes = (i: number) => (mode === "split" ? (i % 2 === 0 ? "sync" : "async") : mode);
  const cons = Array.from({ length: consumers }, (_, i) =>
    run({ role: "consumer", desc: ch.share(), other: spare.share(), mode: modes(i), seen, seed: 1000 + i }));
  const prods = Array.from({ length: producers }, (_, i) =>
    run({ role: "producer", desc: ch.share(), other: spare.share(), from: i * perProducer, to: (i + 1) * perProducer, mode: modes(i + 1), seed: 7 + i }));
  const sent = await Promise.all(prods);
  ch.close();
  const received = await Promise.all(cons);
  expect(sent.reduce((a, b) => a + b, 0)).toBe(total);
  expect(received.reduce((a, b) => a + b, 0)).toBe(total);
  const s = new Int32Array(seen);
  let once = 0;
  for (let i = 0; i < total; i++) if (s[i] === 1) once++;
  expect(once).toBe(total);
  const st = heap.stats();
  expect(st.parkedSenders).toBe(0);
  expect(st.parkedReceivers).toBe(0);
  ch.dispose();
  spare.dispose();
}

describe("shared channels across worker_threads", () => {
  for (const cap of [0, 1, 1024]) {
    it(`4 producers × 250k → 4 consumers, sync and async mixed, cap ${cap}`, async () => {
      await mpmc(cap, 4, 4, 250_000, "split");
    }, 240_000);
  }

  it("random mixes of sendSync/send/select and recvSync/recv/select, cap 16", async () => {
    await mpmc(16, 3, 3, 20_000, "mixed");
  }, 120_000);
});

function runPark(workerData: Record<string, unknown>): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./workers/park.mjs", import.meta.url), { workerData });
    let results: any[] | undefined;
    w.on("message", (m) => { results = m.results; });
    w.on("error", reject);
    w.on("exit", (code) => (code === 0 && results ? resolve(results) : reject(new Error(`worker exited ${code}`))));
  });
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe("close, select and wake-ups across threads", () => {
  it("close wakes every parked receiver in every worker (zero, ok false) and rejects every parked sender", async () => {
    const heap = await SharedHeap.create({ maxBytes: 4 << 20 });
    const rch = heap.chan(0, codecs.i32);
    const sch = heap.chan(2, codecs.i32);
    sch.trySend(-1);
    sch.trySend(-2); // full: senders park
    const k = 5;
    const receivers = [0, 1, 2].map(() => runPark({ role: "recv", desc: rch.share(), k }));
    const senders = [0, 1, 2].map(() => runPark({ role: "send", desc: sch.share(), k }));
    await until(() => heap.stats().parkedReceivers === 3 * (k + 1) && heap.stats().parkedSenders === 3 * (k + 1), "all ops to park");
    rch.close();
    sch.close();
    for (const rs of await Promise.all(receivers)) {
      expect(rs).toHaveLength(k + 1);
      for (const r of rs) expect(r).toEqual({ ok: true, v: { value: 0, ok: false } });
    }
    for (const rs of await Promise.all(senders)) {
      expect(rs).toHaveLength(k + 1);
      for (const r of rs) expect(r).toEqual({ ok: false, err: "send on closed channel" });
    }
    // Values buffered before close are still received, then the zero value.
    expect(await sch.recvOk()).toEqual({ value: -1, ok: true });
    expect(await sch.recvOk()).toEqual({ value: -2, ok: true });
    expect(await sch.recvOk()).toEqual({ value: 0, ok: false });
    expect(heap.stats().parkedSenders + heap.stats().parkedReceivers).toBe(0);
  }, 60_000);

  it("close racing with parking: every op either completes or sees the close, exactly once", async () => {
    for (let round = 0; round < 5; round++) {
      const heap = await SharedHeap.create({ maxBytes: 4 << 20 });
      const ch = heap.chan(0, codecs.i32);
      const k = 20;
      const receivers = [0, 1].map(() => runPark({ role: "recv", desc: ch.share(), k }));
      const senders = [0, 1].map(() => runPark({ role: "send", desc: ch.share(), k }));
      await new Promise((r) => setTimeout(r, round * 3)); // close at a different moment each round
      ch.close();
      const rs = (await Promise.all(receivers)).flat();
      const ss = (await Promise.all(senders)).flat();
      const delivered = rs.filter((r) => r.v.ok).length;
      const sentOk = ss.filter((s) => s.ok).length;
      expect(delivered).toBe(sentOk); // unbuffered: each successful send met exactly one receive
      for (const s of ss) if (!s.ok) expect(s.err).toBe("send on closed channel");
      expect(heap.stats().parkedSenders + heap.stats().parkedReceivers).toBe(0);
    }
  }, 120_000);

  it("a select parked in one worker is woken by a send from this thread, exactly one case", async () => {
    const heap = await SharedHeap.create({ maxBytes: 4 << 20 });
    const a = heap.chan(0, codecs.string(16));
    const b = heap.chan(0, codecs.string(16));
    const w = runPark({ role: "select", desc: a.share(), other: b.share() });
    await until(() => heap.stats().parkedReceivers === 2, "the select to park");
    await b.send("hello");
    const [r] = await w;
    expect(r.v).toEqual({ index: 1, value: "hello", ok: true });
    expect(a.trySend("late")).toBe(false); // the losing case is gone
    expect(heap.stats().parkedReceivers).toBe(0);
  }, 30_000);

  it("a select on this thread is woken by a worker's send", async () => {
    const heap = await SharedHeap.create({ maxBytes: 4 << 20 });
    const a = heap.chan(0, codecs.i32);
    const b = heap.chan(0, codecs.i32);
    const p = select([recv(a), recv(b)]);
    const w = runPark({ role: "send", desc: a.share(), k: 0 }); // one blocking sendSync(99)
    expect(await p).toEqual({ index: 0, value: 99, ok: true });
    expect(await w).toEqual([{ ok: true }]);
    expect(b.trySend(1)).toBe(false);
  }, 30_000);
});

describe("shared channels: bad input and lifetime", () => {
  it("a shared channel needs a codec; capacity is checked", async () => {
    const heap = await SharedHeap.create();
    expect(() => (heap as any).chan(4)).toThrow(TypeError);
    expect(() => (heap as any).chan(4, { size: 4 })).toThrow(TypeError);
    expect(() => heap.chan(-1, codecs.i32)).toThrow(RangeError);
  });

  it("attach refuses what is not a live descriptor, without touching memory outside the channel", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const ch = heap.chan(4, codecs.i32);
    const d = ch.share();
    await expect(attach(null as any)).rejects.toThrow(TypeError);
    await expect(attach({} as any)).rejects.toThrow(TypeError);
    await expect(attach({ ...d, wasmchan: 999 })).rejects.toThrow(TypeError);
    await expect(attach({ ...d, c: d.c + 8 })).rejects.toThrow(TypeError); // forged pointer
    await expect(attach({ ...d, c: 2 ** 40 })).rejects.toThrow(TypeError);
    await expect(attach({ ...d, c: 3 })).rejects.toThrow(TypeError);
    await expect(attach({ ...d, id: d.id + 1 })).rejects.toThrow(TypeError); // wrong magic/id
    await expect(attach({ ...d, codec: "f64" })).rejects.toThrow(TypeError);
    await expect(attach({ ...d, codec: "nope" })).rejects.toThrow(TypeError);
    const other = await SharedHeap.create({ maxBytes: 1 << 20 });
    await expect(attach({ ...d, memory: (other as any).heap.memory })).rejects.toThrow(TypeError); // wrong heap
    await expect(attach({ ...d, memory: new WebAssembly.Memory({ initial: 1 }) })).rejects.toThrow(TypeError);
    // The real one still works, and is the same object in this thread.
    expect(await attach(d)).toBe(ch);
    ch.trySend(5);
    expect(ch.tryRecv()).toEqual({ value: 5, ok: true });
  });

  it("mixing channels of different heaps in one select is a TypeError", async () => {
    const h1 = await SharedHeap.create({ maxBytes: 1 << 20 });
    const h2 = await SharedHeap.create({ maxBytes: 1 << 20 });
    const { chan } = await import("wasmchan");
    expect(() => select([recv(h1.chan(1, codecs.i32)), recv(h2.chan(1, codecs.i32))])).toThrow(TypeError);
    expect(() => select([recv(h1.chan(1, codecs.i32)), recv(chan(1))])).toThrow(TypeError);
  });

  it("values that do not fit the codec throw before anything is enqueued", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const ch = heap.chan(2, codecs.string(4));
    ch.trySend("ok");
    expect(() => ch.sendSync("too long")).toThrow(RangeError);
    expect(() => ch.send(5 as any)).toThrow(TypeError);
    expect(ch.len).toBe(1);
    expect(ch.recvSync()).toBe("ok");
  });

  it("blocking forms need a shared channel", async () => {
    const { chan } = await import("wasmchan");
    expect(() => (chan(1) as any).recvSync()).toThrow(TypeError);
    expect(() => (chan(1) as any).share()).toThrow(TypeError);
  });

  it("a shared channel is freed when the last thread disposes it; later ops throw", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const before = heap.stats();
    const ch = heap.chan(8, codecs.f64);
    const channelBytes = heap.stats().bytesInUse - before.bytesInUse;
    expect(channelBytes).toBeGreaterThanOrEqual(HCHAN_SHARED_SIZE + 8 * 16);
    const d = ch.share();
    // Another thread attaches and disposes: the channel is disposed for everyone.
    await disposeElsewhere(d);
    expect(() => ch.trySend(1)).toThrow(/use of disposed channel/);
    expect(heap.stats().channels).toBe(before.channels + 1); // this thread still holds it
    const held = heap.stats().bytesInUse;
    ch.dispose();
    expect(heap.stats().channels).toBe(before.channels);
    expect(held - heap.stats().bytesInUse).toBe(channelBytes);
    expect(() => ch.trySend(1)).toThrow(/use of disposed channel/);
  }, 30_000);

  for (const [cap, fill] of [[1, 1], [8, 8], [8, 5], [1024, 1024]]) {
    it(`a cap-${cap} channel holding ${fill} values, disposed by another thread: every receive here fails with ChannelError, none waits`, async () => {
      const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
      const ch = heap.chan<number>(cap, codecs.i32);
      // Lap the ring once first, so that the values sit in the second lap's slots.
      for (let i = 0; i < cap; i++) ch.trySend(i);
      for (let i = 0; i < cap; i++) ch.tryRecv();
      for (let i = 0; i < fill; i++) expect(ch.trySend(i)).toBe(true);
      const d = ch.share();
      await disposeElsewhere(d);
      expect(() => ch.tryRecv()).toThrow(/use of disposed channel/);
      expect(() => ch.recvSync()).toThrow(/use of disposed channel/);
      expect(() => ch.recvManySync(4)).toThrow(/use of disposed channel/);
      // (thrown or rejected: either way the caller's await fails at once)
      const failure = async (f: () => Promise<unknown>) => { try { await f(); } catch (e) { return e; } };
      expect(String(await failure(() => ch.recv()))).toMatch(/use of disposed channel/);
      expect(String(await failure(() => ch.recvMany(4)))).toMatch(/use of disposed channel/);
      expect(() => ch.trySend(1)).toThrow(/use of disposed channel/);
      expect(ch.len).toBe(0);
      ch.dispose();
    }, 30_000);
  }

  it("channel headers start on a cache line, no two share one, and their memory comes back whole", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const before = heap.stats().bytesInUse;
    const chans = [0, 1, 3, 16, 100].map((cap) => heap.chan(cap, codecs.i32));
    const lines = new Set<number>();
    for (const ch of chans) {
      expect(ch.c % 64).toBe(0);
      // the header's three lines and the ring (8-byte slots: stamp and value) are this channel's alone
      for (let a = ch.c; a < ch.c + HCHAN_SHARED_SIZE + ch.cap * 8; a += 64) {
        expect(lines.has(a >> 6)).toBe(false);
        lines.add(a >> 6);
      }
    }
    for (const ch of chans) ch.dispose();
    expect(heap.stats().bytesInUse).toBe(before);
    // freed blocks are reused for the next channels, still line-aligned
    const again = heap.chan(16, codecs.i32);
    expect(again.c % 64).toBe(0);
    again.dispose();
    expect(heap.stats().bytesInUse).toBe(before);
  });
});

describe("shared channels keep Node alive while waiting", () => {
  it("a process whose only pending work is an async receive on a shared channel stays alive until it completes", async () => {
    const { execFileSync } = await import("node:child_process");
    const out = execFileSync(process.execPath, runtimeArgs("test/fixtures/alive.mjs"), {
      cwd: new URL("..", import.meta.url), encoding: "utf8", timeout: 20_000,
    });
    expect(out.trim()).toBe("got 42");
  }, 30_000);
});

describe("shared channels are freed without dispose", () => {
  it("when the last thread drops its Chan (GC), and a worker that exits gives its reference back", async () => {
    const { execFileSync } = await import("node:child_process");
    const out = execFileSync(process.execPath, runtimeArgs("test/fixtures/shared-drop.mjs", { gc: true }), {
      cwd: new URL("..", import.meta.url), encoding: "utf8", timeout: 30_000,
    });
    const r = JSON.parse(out.trim().split("\n").pop()!);
    expect(r.afterWorker.channels).toBe(1);
    // The worker exited without dispose (its reference went with its thread), and ours was collected.
    expect(r.leftByWorker.channels).toBe(0);
    // Everything the worker allocated (its thread context) is back, and so is the channel.
    expect(r.withMine.channels).toBe(1);
    expect(r.after.channels).toBe(0);
    expect(r.after.bytesInUse).toBe(r.leftByWorker.bytesInUse);
    expect(r.afterWorker.bytesInUse - r.leftByWorker.bytesInUse).toBe(r.withMine.bytesInUse - r.after.bytesInUse);
  }, 60_000);
});

describe("batches across threads", () => {
  it("a worker's sendManySync and this thread's recvMany move 200k values, each once, in order", async () => {
    const heap = await SharedHeap.create({ maxBytes: 8 << 20 });
    const ch = heap.chan(256, codecs.i32);
    const N = 200_000;
    const w = new Worker(new URL("./workers/send-many.mjs", import.meta.url), { workerData: { d: ch.share(), N } });
    let next = 0;
    for (;;) {
      const vs = await ch.recvMany(512);
      if (vs.length === 0) break;
      for (const v of vs) expect(v).toBe(next++);
    }
    expect(next).toBe(N);
    await new Promise((r) => w.on("exit", r));
  }, 60_000);
});
