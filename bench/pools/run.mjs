// One S8 run in a process of its own (so its peak memory is its own): node run.mjs <impl> <task> <n> <size>.
// Starts the pool, warms it up, then runs n tasks with 1024 in flight (batched: 4 batches of 256),
// measuring the time, the main thread's longest event-loop stall and the growth of the process's
// resident memory; then checks every result against the task run here. Prints one JSON line.
import { Worker } from "node:worker_threads";
import { stallMeter } from "../stall.mjs";
import * as tasks from "./tasks.mjs";

const [impl, task, nArg, sizeArg] = process.argv.slice(2);
const n = Number(nArg), size = Number(sizeArg);
const WINDOW = 1024, BATCH = 256;
const tasksUrl = new URL("./tasks.mjs", import.meta.url);
const f = tasks[task];
// hash's input: 1 KB whose first 4 bytes are the task's number, so no two tasks' results can be swapped unseen.
const input = task === "hash" ? (i) => { const b = new Uint8Array(1024); for (let j = 0; j < 1024; j++) b[j] = (i + j * 7) & 255; new DataView(b.buffer).setUint32(0, i, true); return b; } : (i) => i;

async function make() {
  switch (impl) {
    case "piscina": {
      const { Piscina } = await import("piscina");
      const p = new Piscina({ filename: tasksUrl.href, minThreads: size, maxThreads: size });
      return { one: (v) => p.run(v, { name: task }), close: () => p.destroy() };
    }
    case "tinypool": {
      const { Tinypool } = await import("tinypool");
      const p = new Tinypool({ filename: tasksUrl.href, minThreads: size, maxThreads: size });
      return { one: (v) => p.run(v, { name: task }), close: () => p.destroy() };
    }
    case "workerpool": {
      const { default: workerpool } = await import("workerpool");
      const p = workerpool.pool(new URL("./workerpool-worker.mjs", import.meta.url).pathname, { minWorkers: size, maxWorkers: size, workerType: "thread" });
      return { one: (v) => p.exec(task, [v]), close: () => p.terminate() };
    }
    case "postmessage": {
      const ws = Array.from({ length: size }, () => new Worker(new URL("./postmessage-worker.mjs", import.meta.url), { workerData: { task } }));
      const waiting = new Map();
      let id = 0, next = 0;
      for (const w of ws) w.on("message", ([i, r]) => { const res = waiting.get(i); waiting.delete(i); res(r); });
      return {
        one: (v) => new Promise((res) => { const i = id++; waiting.set(i, res); ws[next++ % size].postMessage([i, v]); }),
        close: () => Promise.all(ws.map((w) => w.terminate())),
      };
    }
    case "wasmchan":
    case "wasmchan-batch": {
      const { codecs } = await import("wasmchan");
      const { Pool } = await import("wasmchan/pool");
      const io = { tiny: [codecs.i32, codecs.f64], cpu: [codecs.i32, codecs.i32], hash: [codecs.bytes(1024), codecs.u32] }[task];
      const p = await Pool.create(tasksUrl, { task: io[0], result: io[1], size, name: task, batch: impl === "wasmchan" ? 32 : 256 });
      return { one: (v) => p.run(v), many: (vs) => p.runMany(vs), close: () => p.close() };
    }
    default:
      throw new Error(`no impl ${impl}`);
  }
}

/** Runs tasks from..to with WINDOW in flight; results[i] is task i's. */
async function runAll(pool, from, to, results) {
  if (pool.many && impl.endsWith("-batch")) {
    let next = from;
    const lane = async () => {
      while (next < to) {
        const start = next;
        const k = Math.min(BATCH, to - start);
        next += k;
        const rs = await pool.many(Array.from({ length: k }, (_, j) => input(start + j)));
        for (let j = 0; j < k; j++) results[start + j] = rs[j];
      }
    };
    await Promise.all(Array.from({ length: WINDOW / BATCH }, lane));
    return;
  }
  let next = from;
  const lane = async () => {
    while (next < to) {
      const i = next++;
      results[i] = await pool.one(input(i));
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, lane));
}

const pool = await make();
const warm = Math.min(2000, n);
await runAll(pool, 0, warm, new Array(warm));
globalThis.gc?.();
const base = process.memoryUsage().rss;
let peak = base;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
const meter = stallMeter();
meter.start();
const results = new Array(n);
const t0 = performance.now();
await runAll(pool, 0, n, results);
const t1 = performance.now();
const stall = meter.stop();
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
await pool.close();
let bad = 0;
for (let i = 0; i < n; i++) if (results[i] !== f(input(i))) bad++;
if (bad) throw new Error(`verification failed (${impl} ${task}): ${bad} of ${n} results wrong or missing`);
console.log(JSON.stringify({ ns: ((t1 - t0) * 1e6) / n, stall, peakMB: (peak - base) / 2 ** 20, n }));
