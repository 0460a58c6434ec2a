// Child process of the memory scenarios (run with --expose-gc):
//   node --expose-gc bench/memory-child.mjs <impl> <idle|parked> <N> <rounds>
// Per round: GC, baseline, create N idle chan(16) channels (or park N receivers on one channel),
// GC, measure, then verify (every channel works / every receiver gets its value, FIFO), drop, GC.
// Bytes per item = Δ JS heap + Δ external memory (for the Wasm core: + Δ bytesInUse of its linear
// memory instead of external, since linear memory grows in whole pages). Prints one JSON line.
import { loadImpls } from "./impls/index.mjs";

const [name, kind, nArg, roundsArg] = process.argv.slice(2);
const N = Number(nArg), rounds = Number(roundsArg);
const { impls } = await loadImpls();
const impl = impls.find((i) => i.name === name);
if (!impl) throw new Error(`no impl ${name}`);
if (typeof gc !== "function") throw new Error("run with --expose-gc");

const settle = async () => {
  for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setImmediate(r)); }
};
const measure = () => {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, inUse: impl.stats ? impl.stats().bytesInUse : 0 };
};
const linear = name === "wasm"; // its channels live in Wasm linear memory, accounted by bytesInUse

async function round() {
  await settle();
  const before = measure();
  let keep;
  if (kind === "idle") {
    keep = new Array(N);
    for (let i = 0; i < N; i++) keep[i] = impl.chan(16);
  } else {
    // one channel, or one per `maxParked` receivers where the library caps parked reads per channel
    const per = impl.maxParked ?? N;
    const chans = [];
    const rs = new Array(N);
    for (let i = 0; i < N; i++) {
      if (i % per === 0) chans.push(impl.chan(impl.cannot?.("unbuffered") ? 1 : 0));
      rs[i] = chans[chans.length - 1].recv();
    }
    keep = { chans, rs, per };
  }
  await settle();
  const after = measure();
  // verify: every channel carries a value; every parked receiver gets its own value, in order
  let verified = 0;
  if (kind === "idle") {
    for (let i = 0; i < N; i++) {
      const ch = keep[i];
      if (impl.sync) { ch.trySend(i); if (ch.shift() !== i) throw new Error("idle channel lost a value"); }
      else {
        const s = ch.send(i);
        const v = await ch.recv();
        await s;
        if (v !== i) throw new Error(`idle channel ${i} gave ${v}`);
      }
      verified++;
    }
  } else {
    for (let i = 0; i < N; i++) keep.chans[Math.floor(i / keep.per)].send(i).catch(() => {});
    const got = await Promise.all(keep.rs);
    for (let i = 0; i < N; i++) if (got[i] !== i) throw new Error(`parked receiver ${i} got ${got[i]} (FIFO broken or value lost)`);
    verified = N;
  }
  for (const c of kind === "idle" ? keep : keep.chans) c.dispose?.();
  keep = null;
  const heap = (after.heap - before.heap) / N;
  const external = (after.external - before.external) / N;
  const inUse = (after.inUse - before.inUse) / N;
  return { total: heap + (linear ? inUse : external), heap, external, inUse, verified };
}

if (kind === "parked" && impl.sync) {
  console.log(JSON.stringify({ skipped: "no Promise operations: nothing can park" }));
} else {
  await round(); // warm-up round (code, caches, first page growth)
  const rs = [];
  for (let i = 0; i < rounds; i++) rs.push(await round());
  console.log(JSON.stringify({ rounds: rs }));
}
