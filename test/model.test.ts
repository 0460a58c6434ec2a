// Model-based random testing, in two halves (the machinery lives in test/model/):
//
// 1. Reference model (model/ref.ts, model/runner.ts): fast-check generates programs — channels of
//    every kind (untyped; i32, u32, f64, i64, bool; bytes(n), string(n), json(n) with n % 4 != 0
//    too), with values drawn per codec (near and at the size limit, and values that do not fit),
//    and a sequence of calls: send/recv/recvOk, trySend/tryRecv, sendMany/recvMany, the blocking
//    forms where they cannot block, close, dispose, select over several cases (nil, closed, the same
//    channel twice, default), AbortSignals and abort. Each program runs call by call on the pure
//    core, the Wasm core with local channels and the Wasm core with SharedHeap channels, and after
//    every call everything observable must be what Go's semantics (written down in model/ref.ts)
//    say: values and their order, which parked ops settled with what and in which order, len/cap,
//    parked counts, errors; a value that does not fit throws and changes nothing.
// 2. Differential (model/differential.ts): concurrent "goroutines" (single ops, selects and batches)
//    under two schedulers, run on both cores with the same select seed; every trace must be
//    identical, and invariants must hold.
//
// WASMCHAN_REF_RUNS (per core and memory) and WASMCHAN_MODEL_RUNS (differential) set the number of
// programs; WASMCHAN_MODEL_SEED the seed (default fixed); WASMCHAN_MODEL_PATH replays one
// counterexample (the seed and path a failure prints). Failing programs are shrunk by fast-check.
import fc from "fast-check";
import { SharedHeap } from "wasmchan";
import { describe, expect, it } from "vitest";
import { cores } from "./cores";
import { programArb as diffProgramArb, runProgram as runDiff, showOutcome, showProgram as showDiffProgram } from "./model/differential";
import { programArb } from "./model/program";
import { type Config, coverage, runProgram } from "./model/runner";
import { tuning } from "../dist/wasm/chan.js";
import { preemptTuning } from "../dist/api/preempt.js";

/** Runs `f` with the Wasm bindings' JS fast paths on or off (for channels made meanwhile). */
async function withFastPaths<T>(on: boolean, f: () => Promise<T>): Promise<T> {
  const was = tuning.fastPaths;
  tuning.fastPaths = on;
  try {
    return await f();
  } finally {
    tuning.fastPaths = was;
  }
}

/** Runs `f` with every operation's Promise settling through preemption's deferred form (as once a
 *  thread's slice is over budget): what each call does, and the order its Promises settle in, must not
 *  change. */
async function preempted<T>(f: () => Promise<T>): Promise<T> {
  preemptTuning.always = true;
  try {
    return await f();
  } finally {
    preemptTuning.always = false;
  }
}

const REF_RUNS = Number(process.env.WASMCHAN_REF_RUNS ?? 700);
const RUNS = Number(process.env.WASMCHAN_MODEL_RUNS ?? 3000);
const SEED = Number(process.env.WASMCHAN_MODEL_SEED ?? 0x5eed_c4a1);
const wasm = cores.find((c) => c.name === "wasm")!.lib;
const pure = cores.find((c) => c.name === "pure")!.lib;

async function check<T>(arb: fc.Arbitrary<T>, runs: number, run: (p: T) => Promise<string | null>, what: string): Promise<void> {
  let programs = 0;
  let lastReport = "";
  const started = Date.now();
  const details = await fc.check(
    fc.asyncProperty(arb, async (p) => {
      programs++;
      const report = await run(p);
      if (report === null) return true;
      lastReport = report;
      return false;
    }),
    {
      numRuns: runs,
      seed: SEED,
      path: process.env.WASMCHAN_MODEL_PATH,
      timeout: 20_000, // per program: a run that never settles fails (and is shrunk) instead of hanging
      interruptAfterTimeLimit: 600_000,
    },
  );
  console.log(`${what}: ${programs} programs (seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (details.failed) {
    // lastReport is the last failing run, which is the shrunk counterexample once shrinking is done.
    const msg =
      `${what} failed after ${details.numRuns} runs and ${details.numShrinks} shrinks ` +
      `(reproduce: WASMCHAN_MODEL_SEED=${details.seed} WASMCHAN_MODEL_PATH=${details.counterexamplePath})\n` +
      `shrunk counterexample:\n${lastReport}` +
      (details.errorInstance ? `\n${String(details.errorInstance)}` : "");
    console.error(msg);
    expect.fail(msg);
  }
  expect(programs).toBeGreaterThanOrEqual(runs);
}

describe("model-based: every call checked against a reference model of Go's channels", () => {
  const shared = async () => ({ lib: wasm, heap: await SharedHeap.create({ maxBytes: 1 << 20 }), sync: "real" as const });
  // [name, config, JS fast paths, every Promise through preemption's deferred form, programs]
  const configs: [string, () => Promise<Omit<Config, "name">>, boolean, boolean, number][] = [
    ["pure core, local channels", async () => ({ lib: pure, sync: "absent" }), true, false, REF_RUNS],
    ["wasm core, local channels", async () => ({ lib: wasm, sync: "local" }), true, false, REF_RUNS],
    ["wasm core, local channels, JS fast paths off", async () => ({ lib: wasm, sync: "local" }), false, false, REF_RUNS],
    ["wasm core, SharedHeap channels", shared, true, false, REF_RUNS],
    ["pure core, local channels, preempted", async () => ({ lib: pure, sync: "absent" }), true, true, REF_RUNS],
    ["wasm core, local channels, preempted", async () => ({ lib: wasm, sync: "local" }), true, true, REF_RUNS],
    ["wasm core, SharedHeap channels, preempted", shared, true, true, REF_RUNS],
  ];
  it("the switch takes effect: with JS fast paths off a channel is in linear memory at once and never takes them", async () => {
    type Inside = { c: number; fast: boolean };
    const on = wasm.chan<number>(4);
    expect((on as unknown as Inside).c).toBe(0); // its values wait in a JS ring
    const r = on.recv(); // its first park moves it into linear memory
    expect((on as unknown as Inside).c).not.toBe(0);
    expect((on as unknown as Inside).fast).toBe(true);
    on.trySend(1);
    expect(await r).toBe(1);
    await withFastPaths(false, async () => {
      const off = wasm.chan(4) as unknown as Inside;
      expect(off.c).not.toBe(0);
      expect(off.fast).toBe(false);
    });
  });
  for (const [name, make, fast, preempt, runs] of configs) {
    it(`${name}: ${runs} random programs`, async () => {
      const cfg = { name, ...(await make()) };
      for (const k of Object.keys(coverage)) delete coverage[k];
      const run = () => withFastPaths(fast, () => check(programArb, runs, (p) => runProgram(cfg, p), `reference model, ${name}`));
      await (preempt ? preempted(run) : run());
      if (process.env.WASMCHAN_MODEL_COVERAGE) console.log(Object.entries(coverage).sort().map(([k, v]) => `  ${k}: ${v}`).join("\n"));
    }, 900_000);
  }
});

describe("model-based: concurrent programs, wasm (JS fast paths on and off) vs pure, preempted or not", () => {
  it(`${RUNS} random programs give identical traces on both cores, fast paths or not, and keep the invariants`, async () => {
    await check(diffProgramArb, RUNS, async (p) => {
      const a = await runDiff(wasm, p);
      const c = await withFastPaths(false, () => runDiff(wasm, p));
      const b = await runDiff(pure, p);
      // Every Promise through preemption's deferred form: a schedule of its own, the same on both cores.
      const d = await preempted(() => runDiff(wasm, p));
      const e = await preempted(() => runDiff(pure, p));
      const key = (o: typeof a) => JSON.stringify([o.traces, o.calls, o.settled, o.final, o.leftovers]);
      const same = key(a) === key(b) && key(c) === key(b) && key(d) === key(e);
      const broken = [a, b, c, d, e].some((o) => o.violations.length > 0);
      if (same && !broken) return null;
      return [
        same ? "cores agree, but an invariant is broken" : "cores DIFFER",
        showDiffProgram(p),
        "wasm core:",
        showOutcome(a),
        "wasm core, JS fast paths off:",
        showOutcome(c),
        "pure core:",
        showOutcome(b),
        "wasm core, preempted:",
        showOutcome(d),
        "pure core, preempted:",
        showOutcome(e),
      ].join("\n");
    }, "differential");
  }, 900_000);
});
