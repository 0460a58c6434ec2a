// Stress: producers and consumers in several workers, random mixes of every operation and select on
// two shared channels (one buffered, one unbuffered), a fixed message count, and an exact multiset
// check: every value received exactly once.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { SharedHeap, codecs } from "wasmchan";

const MESSAGES = Number(process.env.WASMCHAN_STRESS_MESSAGES ?? 2_000_000);

function run(workerData: Record<string, unknown>): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./workers/stress.mjs", import.meta.url), { workerData });
    let count = -1;
    w.on("message", (m) => { if (m.done) count = m.count; });
    w.on("error", reject);
    w.on("exit", (code) => (code === 0 && count >= 0 ? resolve(count) : reject(new Error(`worker exited ${code}`))));
  });
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
    const s = new Int32Array(seen);
    const wrong: number[] = [];
    for (let v = 0; v < MESSAGES && wrong.length < 10; v++) if (s[v] !== 1) wrong.push(v);
    expect(wrong).toEqual([]);
    const st = heap.stats();
    expect(st.parkedSenders + st.parkedReceivers).toBe(0);
  }, 600_000);
});
