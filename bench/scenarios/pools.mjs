// S8, worker pools: the same tasks through the pools Node users pick today (piscina, tinypool,
// workerpool), a hand-written postMessage round-robin, and wasmchan/pool per task and batched. Each run
// is a process of its own (bench/pools/run.mjs), so its memory is its own: 2 workers, 1024 tasks in
// flight, every result checked; its longest main-thread stall and the growth of its resident memory
// are recorded. Subjects take turns within each round.
import { spawn } from "node:child_process";

const RUN = new URL("../pools/run.mjs", import.meta.url).pathname;
const SUBJECTS = [
  { name: "piscina", label: "piscina 5, 2 threads, 1024 tasks in flight" },
  { name: "tinypool", label: "tinypool 2, 2 threads, 1024 tasks in flight" },
  { name: "workerpool", label: "workerpool 10, 2 worker threads, 1024 tasks in flight" },
  { name: "postmessage", label: "hand-written postMessage round-robin over 2 workers, 1024 in flight" },
  { name: "wasmchan", label: "wasmchan/pool, 2 workers, pool.run per task, 1024 in flight" },
  { name: "wasmchan-batch", label: "wasmchan/pool, 2 workers, pool.runMany of 256, 4 batches in flight" },
];
const SIZE = 2;
const onNode = !process.versions.bun && !process.versions.deno;

/** Why a pool cannot run this scenario on this runtime, if it cannot. */
function unsupported(name) {
  if (name === "workerpool" && process.versions.bun) return "workerpool's thread workers never answer under Bun (tried 1.4.5: every run hangs)";
  if (name === "tinypool" && process.versions.deno) return "tinypool hangs under Deno (tried 2.9.6: a run gave no result in 60 s)";
  return undefined;
}

function runOnce(impl, task, n, timeoutMs) {
  return new Promise((resolve, reject) => {
    // Node gets --expose-gc (a collection before the clock starts); Bun and Deno run the file as is.
    const p = spawn(process.execPath, [...(onNode ? ["--expose-gc"] : []), RUN, impl, task, String(n), String(SIZE)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs); // a pool that hangs fails its run, not the bench
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.once("exit", (code) => {
      clearTimeout(timer);
      if (code === null) return reject(new Error(`${impl} ${task}: no result after ${timeoutMs / 1000} s (killed)`));
      if (code !== 0) return reject(new Error(`${impl} ${task}: exited ${code}: ${err.trim().split("\n").filter((l) => /Error/.test(l))[0] ?? err.slice(0, 200)}`));
      resolve(JSON.parse(out.trim().split("\n").pop()));
    });
  });
}

function scenario(id, task, n, what) {
  return {
    id, kind: "pools", unit: "ns/msg", floor: "piscina",
    title: `worker pools: ${what}`,
    description: `${n.toLocaleString("en")} tasks (${what}) through each pool of 2 workers, 1024 in flight, every result checked against the task run in the main process. Time per task; in the notes the longest main-thread stall (a 10 ms timer's largest gap) and the growth of the process's resident memory at its peak.`,
    subjects: () => SUBJECTS,
    async measureAll(subjects, ctx) {
      const out = new Map();
      const rounds = ctx.quick ? 1 : 3;
      const nn = ctx.quick ? Math.max(2000, Math.round(n / 50)) : n;
      const runs = new Map(subjects.map((s) => [s.name, []]));
      for (const s of subjects) if (unsupported(s.name)) out.set(s.name, { skipped: unsupported(s.name) });
      const timeoutMs = ctx.quick ? 60_000 : 600_000;
      for (let round = 0; round < rounds; round++) {
        for (let j = 0; j < subjects.length; j++) {
          const s = subjects[(j + round) % subjects.length];
          if (out.has(s.name)) continue;
          try {
            runs.get(s.name).push(await runOnce(s.name, task, nn, timeoutMs));
            ctx.progress?.(".");
          } catch (e) {
            out.set(s.name, { error: e });
          }
        }
      }
      for (const s of subjects) {
        if (out.has(s.name)) continue;
        const rs = runs.get(s.name);
        const stall = Math.max(...rs.map((r) => r.stall));
        const mem = Math.max(...rs.map((r) => r.peakMB));
        out.set(s.name, {
          samples: rs.map((r) => r.ns), messagesPerRun: nn, messagesVerified: nn * rs.length,
          stallMs: stall, peakMB: mem,
          note: `longest main-thread stall ${stall.toFixed(0)} ms; peak memory +${mem.toFixed(0)} MB`,
        });
      }
      return out;
    },
  };
}

export const scenarios = [
  scenario("S8-tiny", "tiny", 200_000, "200k tiny tasks (n → n² + 1)"),
  scenario("S8-cpu", "cpu", 50_000, "50k tasks of ~10 µs of CPU"),
  scenario("S8-bytes", "hash", 200_000, "200k tasks hashing 1 KB"),
];
