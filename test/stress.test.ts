// Stress: producers and consumers in several workers, random mixes of every operation and select on
// two shared channels (one buffered, one unbuffered), a fixed message count, and an exact multiset
// check: every value received exactly once.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { SharedHeap, codecs } from "wasmchan";

const MESSAGES = Number(process.env.WASMCHAN_STRESS_MESSAGES ?? 2_000_000);
const MIX = Number(process.env.WASMCHAN_STRESS_MIX ?? 1_000_000);

function run(workerData: Record<string, unknown>, file = "stress.mjs", forms?: number[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(`./workers/${file}`, import.meta.url), { workerData });
    let count = -1;
    w.on("message", (m) => {
      if (!m.done) return;
      count = m.count;
      m.forms?.forEach((n: number, i: number) => { if (forms) forms[i] += n; });
    });
    w.on("error", reject);
    w.on("exit", (code) => (code === 0 && count >= 0 ? resolve(count) : reject(new Error(`worker exited ${code}`))));
  });
}

/** Every value 0..n-1 was marked in `seen` exactly once (the first few that were not, if any). */
function expectEachOnce(seen: SharedArrayBuffer, n: number): void {
  const s = new Int32Array(seen);
  const wrong: number[] = [];
  for (let v = 0; v < n && wrong.length < 10; v++) if (s[v] !== 1) wrong.push(v);
  expect(wrong).toEqual([]);
}

describe("stress across workers", () => {
  it(`${MESSAGES} messages, 3 producers and 3 consumers, random ops and selects over a buffered and an unbuffered channel`, async () => {
    const heap = await SharedHeap.create({ maxBytes: 16 << 20 });
    const A = heap.chan(64, codecs.i32);
    const B = heap.chan(0, codecs.i32);
    const seen = new SharedArrayBuffer(MESSAGES * 4);
    const P = 3, C = 3;
    const per = Math.ceil(MESSAGES / P);
    const consumers = Array.from({ length: C }, (_, i) =>
      run({ role: "consumer", a: A.share(), b: B.share(), seen, seed: 0x1234 + i, universal: i === 0 }));
    const producers = Array.from({ length: P }, (_, i) =>
      run({ role: "producer", a: A.share(), b: B.share(), from: i * per, to: Math.min(MESSAGES, (i + 1) * per), seed: 0x9876 + i }));
    const sent = (await Promise.all(producers)).reduce((s, n) => s + n, 0);
    A.close();
    B.close();
    const received = (await Promise.all(consumers)).reduce((s, n) => s + n, 0);
    expect(sent).toBe(MESSAGES);
    expect(received).toBe(MESSAGES);
    expectEachOnce(seen, MESSAGES);
    const st = heap.stats();
    expect(st.parkedSenders + st.parkedReceivers).toBe(0);
  }, 600_000);

  it(`${MIX} messages over an unbuffered, a cap-1 and a cap-1024 channel: sync, async, try, select and batches (async and sync) mixed, 3 producers and 3 consumers`, async () => {
    const heap = await SharedHeap.create({ maxBytes: 16 << 20 });
    const chans = [heap.chan(0, codecs.i32), heap.chan(1, codecs.i32), heap.chan(1024, codecs.i32)];
    const seen = new SharedArrayBuffer(MIX * 4);
    const P = 3, C = 3;
    const per = Math.ceil(MIX / P);
    const sendForms = new Array(6).fill(0), recvForms = new Array(6).fill(0);
    const shared = () => chans.map((c) => c.share());
    const consumers = Array.from({ length: C }, (_, i) =>
      run({ role: "consumer", chans: shared(), seen, seed: 0x4321 + i, universal: i === 0 }, "stress-mix.mjs", recvForms));
    const producers = Array.from({ length: P }, (_, i) =>
      run({ role: "producer", chans: shared(), from: i * per, to: Math.min(MIX, (i + 1) * per), seed: 0x6789 + i }, "stress-mix.mjs", sendForms));
    const sent = (await Promise.all(producers)).reduce((s, n) => s + n, 0);
    for (const c of chans) c.close();
    const received = (await Promise.all(consumers)).reduce((s, n) => s + n, 0);
    expect(sent).toBe(MIX);
    expect(received).toBe(MIX);
    expectEachOnce(seen, MIX);
    // Every form ran, on both sides.
    for (const n of [...sendForms, ...recvForms]) expect(n).toBeGreaterThan(100);
    const st = heap.stats();
    expect(st.parkedSenders + st.parkedReceivers).toBe(0);
    for (const c of chans) expect(c.len).toBe(0);
  }, 600_000);

  for (const cap of [1, 8, 1024]) {
    it(`close racing lock-free sends and receives on a cap-${cap} channel, 20 times: a completed send is received once, a refused one never`, async () => {
      for (let trial = 0; trial < 20; trial++) {
        const heap = await SharedHeap.create({ maxBytes: 4 << 20 });
        const ch = heap.chan(cap, codecs.i32);
        const N = 200_000;
        const sent = new SharedArrayBuffer(N * 4), seen = new SharedArrayBuffer(N * 4);
        const P = 2, C = 2, per = N / P;
        const consumers = Array.from({ length: C }, (_, i) => run({ role: "consumer", desc: ch.share(), seen, seed: 0x51 + trial * 7 + i }, "close-race.mjs"));
        const producers = Array.from({ length: P }, (_, i) => run({ role: "producer", desc: ch.share(), from: i * per, to: (i + 1) * per, sent, seed: 0x77 + trial * 5 + i }, "close-race.mjs"));
        await new Promise((r) => setTimeout(r, 5 + (trial % 5) * 7)); // close somewhere in the stream
        ch.close();
        const nSent = (await Promise.all(producers)).reduce((a, b) => a + b, 0);
        const nSeen = (await Promise.all(consumers)).reduce((a, b) => a + b, 0);
        const s = new Int32Array(sent), r = new Int32Array(seen);
        const wrong: number[] = [];
        for (let v = 0; v < N && wrong.length < 10; v++) if (s[v] !== r[v]) wrong.push(v);
        expect(wrong, `trial ${trial}: values whose send and receive disagree`).toEqual([]);
        expect(nSeen).toBe(nSent);
        expect(ch.len).toBe(0);
        ch.dispose();
      }
    }, 120_000);
  }
});
