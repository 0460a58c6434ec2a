// Threads that die: worker.terminate() at any instant — inside an operation, holding a lock word, parked,
// or between claiming a parked operation and completing it — must never wedge the threads that live on,
// nor lose a value that was reported sent, beyond the README's rule for dead threads ("Threads that die").
// First each way of dying on its own (made exact by putting the dead thread's id where a terminate at the
// wrong instant would leave it), then random kills of senders and receivers using every kind of operation.
import { Worker } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as wasm from "wasmchan";
import { SharedHeap, codecs, ChannelError } from "wasmchan";
import { C_HEAD, C_LOCK, C_RECVQ, C_TAIL_SHARED, G_CLAIMED, H_ALLOC_LOCK, P_HOLD, S_STATE, T_ID } from "../dist/abi/layout.js";
import { entryOf, macrotask, rng, skipOn } from "./util.js";

const killUrl = new URL("./workers/kill.mjs", import.meta.url);

/** A worker running `body` (with `ch` attached from workerData.desc and `tid`, the worker's thread id
 *  in the heap); it posts what `body` posts. */
function start(body: string, workerData: Record<string, unknown>): { w: Worker; msgs: unknown[]; next: () => Promise<unknown>; exited: Promise<number> } {
  const code = `
    import { workerData, parentPort } from "node:worker_threads";
    const lib = await import(${JSON.stringify(pathToFileURL(entryOf("wasm")).href)});
    const { attach, ChannelError } = lib;
    const ch = await attach(workerData.desc);
    const heap = ch.heap;
    const u32 = heap.views.u32;
    const tid = u32[(heap.t + ${T_ID}) >>> 2];
    const post = (m) => parentPort.postMessage(m);
    ${body}`;
  const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData });
  const msgs: unknown[] = [];
  const waiting: ((m: unknown) => void)[] = [];
  w.on("message", (m) => { const f = waiting.shift(); if (f) f(m); else msgs.push(m); });
  const exited = new Promise<number>((resolve) => w.on("exit", resolve));
  const next = (): Promise<unknown> => (msgs.length > 0 ? Promise.resolve(msgs.shift()) : new Promise((r) => waiting.push(r)));
  return { w, msgs, next, exited };
}

/** Terminates `w` and lets the reaper (run on its exit event) finish. */
async function kill(w: { w: Worker; exited: Promise<number> }): Promise<void> {
  await w.w.terminate();
  await w.exited;
  await macrotask();
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 2));
  }
}

const errorOf = async (p: Promise<unknown>): Promise<unknown> => p.then(() => "resolved", (e) => e);

describe("a thread that dies", () => {
  for (const mode of ["async", "sync", "select", "batch"] as const) {
    it(`parked in a ${mode} receive leaves the queue: a later send is not swallowed, and its references go`, async () => {
      const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
      const warm = heap.chan(0, codecs.i32);
      warm.trySend(0); // this thread's scratch area
      warm.dispose();
      const before = heap.stats();
      const ch = heap.chan(0, codecs.i32);
      const op = { async: "ch.recv()", sync: "ch.recvSync()", select: "lib.select([lib.recv(ch)])", batch: "ch.recvManySync(4)" }[mode];
      const w = start(`post("attached"); ${op};`, { desc: ch.share() });
      await w.next();
      await until(() => heap.stats().parkedReceivers === 1);
      await kill(w);
      expect(heap.stats().parkedReceivers).toBe(0);
      expect(ch.trySend(1)).toBe(false); // nobody to take it: not handed to the dead
      ch.dispose();
      expect(heap.stats().channels).toBe(before.channels); // the dead worker's reference is gone too
      expect(heap.stats().bytesInUse).toBe(before.bytesInUse); // and its context, scratch and sudogs
    });
  }

  it("holding a channel's lock poisons that channel: every thread's operations on it fail with ChannelError, others go on", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const before = heap.stats().channels;
    const ch = heap.chan(4, codecs.i32);
    const other = heap.chan(4, codecs.i32);
    const parked = errorOf(ch.recv()); // parked before the death: the death watch must reject it
    const sync = start(`post("attached"); try { ch.recvSync(); post("received"); } catch (e) { post(e instanceof ChannelError ? e.message : String(e)); }`, { desc: ch.share() });
    await sync.next();
    await until(() => heap.stats().parkedReceivers === 2);
    // As if terminated inside chansend: the lock word holds the dead thread's id.
    const holder = start(`Atomics.store(u32, (workerData.c + ${C_LOCK}) >>> 2, tid); post("held"); for (;;) {}`, { desc: ch.share(), c: (ch as unknown as { c: number }).c });
    await holder.next();
    const t0 = Date.now();
    expect(() => ch.trySend(1)).toThrow(ChannelError); // held by a live (not yet reaped) thread: a time-out
    expect(Date.now() - t0).toBeLessThan(1000);
    await kill(holder);
    for (const op of [() => ch.trySend(1), () => ch.tryRecv(), () => ch.close(), () => ch.sendManySync([1, 2])]) {
      expect(op).toThrow(/poisoned/);
    }
    expect(() => ch.send(1)).toThrow(/poisoned/); // as for a disposed channel: at once, not as a rejection
    expect(() => ch.recvMany(3)).toThrow(/poisoned/);
    expect(String(await parked)).toMatch(/ChannelError: channel poisoned/);
    expect(await sync.next()).toMatch(/poisoned/);
    // Other channels of the heap are untouched.
    await other.send(5);
    expect(await other.recv()).toBe(5);
    ch.dispose();
    other.dispose();
    await sync.exited;
    await macrotask();
    expect(heap.stats().channels).toBe(before);
  });

  it("holding the allocator's lock: it is taken over, and channels are made and freed as before", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const ch = heap.chan(1, codecs.i32);
    const w = start(`Atomics.store(u32, ${H_ALLOC_LOCK} >>> 2, tid); post("held"); for (;;) {}`, { desc: ch.share() });
    await w.next();
    expect(() => heap.chan(8, codecs.f64)).toThrow(ChannelError); // a time-out: the holder still lives
    await kill(w);
    const more = Array.from({ length: 10 }, (_, i) => heap.chan(i, codecs.f64));
    for (const c of more) c.dispose();
    await ch.send(3);
    expect(await ch.recv()).toBe(3);
  });

  it("between claiming a parked receive and completing it: the receive fails with ChannelError within a second", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const ch = heap.chan(0, codecs.i32);
    const parked = errorOf(ch.recv());
    const c = (ch as unknown as { c: number }).c;
    const g = (heap as unknown as { heap: { views: { u32: Uint32Array } } }).heap.views.u32[(c + C_RECVQ) >>> 2];
    expect(g).not.toBe(0);
    // As if terminated inside chansend after its dequeue won the receive: the g holds its claim.
    const w = start(`Atomics.store(u32, (workerData.g + ${S_STATE}) >>> 2, (tid << 2) | ${G_CLAIMED}); post("claimed"); for (;;) {}`, { desc: ch.share(), g });
    await w.next();
    const t0 = Date.now();
    await kill(w);
    const e = await parked;
    expect(e).toBeInstanceOf(ChannelError);
    expect(String(e)).toMatch(/terminated while it was completing/);
    expect(Date.now() - t0).toBeLessThan(1000);
    await ch.sendMany([]);
  });

  it("a live thread that holds a lock too long makes others fail with a ChannelError, not spin; the channel is fine after", async () => {
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const ch = heap.chan(2, codecs.i32);
    // As a lock holder does (assembly/ring.ts): the lock word, then P_HOLD in both ring positions, so that
    // the lock-free paths refuse and take the lock too.
    const hold = `[${C_HEAD + 4}, ${C_TAIL_SHARED + 4}].map((o) => (workerData.c + o) >>> 2)`;
    const w = start(`Atomics.store(u32, (workerData.c + ${C_LOCK}) >>> 2, tid); for (const i of ${hold}) Atomics.or(u32, i, ${P_HOLD}); post("held");
      const end = Date.now() + 700; while (Date.now() < end) {}
      for (const i of ${hold}) Atomics.and(u32, i, ${~P_HOLD}); Atomics.store(u32, (workerData.c + ${C_LOCK}) >>> 2, 0); post("released");`,
    { desc: ch.share(), c: (ch as unknown as { c: number }).c });
    await w.next();
    expect(() => ch.trySend(1)).toThrow(/lock held for over/);
    await w.next();
    expect(ch.trySend(2)).toBe(true);
    expect(ch.tryRecv()).toEqual({ value: 2, ok: true });
    await w.exited;
  });
});

// ---- random kills

type Role = "send" | "recv";
type Mode = "sync" | "async" | "batch" | "select" | "typed";
const MODES: Mode[] = ["sync", "async", "batch", "select", "typed"];
const BATCH = 8;

interface Run {
  role: Role;
  mode: Mode;
  log: Int32Array;
  base: number;
  w: Worker;
  end: Promise<{ end: string; message?: string; at: number } | "killed">;
  killed: boolean;
}

async function trial(seed: number): Promise<void> {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const heap = await SharedHeap.create({ maxBytes: 4 << 20 });
  const cap = pick([0, 1, 16]);
  // Every slot kind: 4-byte, 8-byte, and variable-length (length word + bytes).
  const codec = [codecs.i32, codecs.f64, codecs.string(12)][seed % 3] as wasm.Codec<number | string>;
  const text = codec.name.startsWith("string");
  const ch = heap.chan(cap, codec);
  const N = 3000;
  const runs: Run[] = [];
  for (let i = 0; i < 5; i++) {
    const role: Role = i < 2 ? "send" : i < 4 ? "recv" : pick(["send", "recv"] as const);
    const picked = pick(MODES);
    const mode = picked === "typed" && text ? "batch" : picked; // typed arrays: numeric channels only
    const log = new Int32Array(new SharedArrayBuffer(4 * (role === "send" ? 1 : 2 * N * 3 + 1)));
    const base = (i + 1) * 1_000_000;
    const w = new Worker(killUrl, { workerData: { role, mode, desc: ch.share(), log: log.buffer, base, n: N, batch: BATCH, text, packed: codec.name === "i32" ? "Int32Array" : "Float64Array" } });
    const run: Run = { role, mode, log, base, w, killed: false, end: undefined! };
    let ready!: () => void;
    const isReady = new Promise<void>((r) => { ready = r; });
    run.end = new Promise((resolve) => {
      w.on("message", (m) => { if (m.ready) ready(); else resolve(m); });
      w.on("exit", () => { ready(); resolve("killed"); });
    });
    await isReady;
    runs.push(run);
  }
  // The main thread receives too, with async receives and batches.
  const mainGot: number[] = [];
  const mainEnd = (async () => {
    try {
      while (true) {
        if (rand() < 0.5) {
          const { value, ok } = await ch.recvOk();
          if (!ok) return "done";
          mainGot.push(Number(value));
        } else {
          const vs = await ch.recvMany(BATCH);
          if (vs.length === 0) return "done";
          mainGot.push(...vs.map(Number));
        }
      }
    } catch (e) {
      return e instanceof ChannelError ? `ChannelError at ${Date.now()}` : `other: ${String(e)}`;
    }
  })();

  // Kill one or two workers at random instants, while they work.
  await new Promise((r) => setTimeout(r, 2 + rand() * 20));
  const victims = new Set([pick(runs), pick(runs)]);
  const killedAt = Date.now();
  for (const v of victims) {
    v.killed = true;
    await v.w.terminate();
  }
  await macrotask();

  // Survivors must finish or fail with a ChannelError; none may hang.
  const deadline = (p: Promise<unknown>, what: string) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`seed ${seed}: ${what} wedged`)), 15_000))]);
  const senders = runs.filter((r) => r.role === "send" && !r.killed);
  const sendEnds = await deadline(Promise.all(senders.map((r) => r.end)), "a sender") as Awaited<Run["end"]>[];
  let closed = true;
  try { ch.close(); } catch (e) { expect(e, `seed ${seed}`).toBeInstanceOf(ChannelError); closed = false; }
  const recvEnds = await deadline(Promise.all(runs.filter((r) => r.role === "recv" && !r.killed).map((r) => r.end)), "a receiver") as Awaited<Run["end"]>[];
  const mainResult = await deadline(mainEnd, "the main thread") as string;

  const poisoned = [...sendEnds, ...recvEnds].some((e) => e !== "killed" && e.message?.includes("poisoned")) || mainResult.startsWith("ChannelError");
  for (const e of [...sendEnds, ...recvEnds]) {
    if (e === "killed") continue; // it ended on its own just as it was killed
    expect(["done", "ChannelError"], `seed ${seed}: ${e.message}`).toContain(e.end);
    if (e.end === "ChannelError") expect(e.at - killedAt, `seed ${seed}: a ChannelError came late`).toBeLessThan(1000);
  }
  expect(mainResult === "done" || mainResult.startsWith("ChannelError"), `seed ${seed}: ${mainResult}`).toBe(true);
  if (!poisoned && closed) expect(mainResult, `seed ${seed}`).toBe("done");

  // Accounting: every value received at most once; every value reported sent received, except those the
  // README's rule gives up: values a dying receiver had taken (at most one batch or one parked op each), and,
  // if the channel was poisoned, what its buffer and its hand-offs held.
  const got = new Map<number, number>();
  const add = (v: number) => got.set(v, (got.get(v) ?? 0) + 1);
  for (const v of mainGot) add(v);
  for (const r of runs) if (r.role === "recv") for (let i = 0; i < Atomics.load(r.log, 0); i++) add(r.log[1 + i]);
  for (const [v, k] of got) {
    expect(k, `seed ${seed}: ${v} received ${k} times`).toBe(1);
    expect(runs.some((r) => r.role === "send" && v >= r.base && v < r.base + N), `seed ${seed}: ${v} never sent`).toBe(true);
  }
  let lost = 0;
  for (const r of runs) {
    if (r.role !== "send") continue;
    const confirmed = Atomics.load(r.log, 0);
    for (let i = 0; i < confirmed; i++) if (!got.has(r.base + i)) lost++;
  }
  const deadReceivers = runs.filter((r) => r.role === "recv" && r.killed).length;
  const allowed = deadReceivers * (BATCH + 1) + (poisoned ? cap + 2 * runs.length : 0);
  expect(lost, `seed ${seed}: ${lost} values reported sent were lost (allowed ${allowed})`).toBeLessThanOrEqual(allowed);
  for (const r of runs) await r.w.terminate();
  ch.dispose();
}

describe("random kills", () => {
  // Open on Deno: in 2 of 6 full Deno runs one trial's surviving sender stayed parked ("seed 6/13: a
  // sender wedged", seeds from before the typed-array mode changed every seed's draws); isolated reruns pass, Deno reports worker exits and thread ids as Node does. Until
  // it is understood, the trials run on Node and Bun only (README, "Runtimes and browsers").
  const denoWedge = skipOn(["deno"], "random kills: a surviving sender occasionally stays parked after a kill under Deno (2 of 6 full runs), not yet understood");
  it.skipIf(denoWedge)("20 trials over i32, f64 and string(12) channels: senders and receivers (sync, async, batch, typed-array batch, select) terminated at random; survivors finish or get a ChannelError, no reported value lost", async () => {
    for (let seed = 1; seed <= 20; seed++) await trial(seed);
  }, 240_000);
});
