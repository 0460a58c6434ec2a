// Memory per idle buffered channel and per parked receiver, measured in a child process with
// --expose-gc (bench/memory-child.mjs), for every impl; Go's numbers come from bench/go.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median } from "../stats.mjs";

const child = fileURLToPath(new URL("../memory-child.mjs", import.meta.url));

function runChild(name, kind, n, rounds) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--expose-gc", child, name, kind, String(n), String(rounds)], { timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const lines = String(stderr || err.message).split("\n");
        reject(new Error(lines.find((l) => /Error/.test(l))?.trim() ?? err.message));
      }
      else resolve(JSON.parse(stdout.trim().split("\n").pop()));
    });
  });
}

function memoryScenario(id, kind, title, description) {
  return {
    id, title, description, kind: "memory", unit: "B/item", floor: "floor",
    subjects: (ctx) => ctx.impls,
    async measure(impl, ctx) {
      const n = ctx.quick ? 2000 : 10_000;
      const out = await runChild(impl.name, kind, n, ctx.quick ? 2 : 4);
      if (out.skipped) return { skipped: out.skipped };
      const rs = out.rounds;
      const m = (k) => median(rs.map((r) => r[k]));
      const note = `JS heap ${m("heap").toFixed(0)} B, external ${m("external").toFixed(0)} B${impl.name === "wasm" ? `, linear memory in use ${m("inUse").toFixed(0)} B (counted instead of external)` : ""}; ${n} items`;
      return { samples: rs.map((r) => r.total), messagesPerRun: n, messagesVerified: rs.reduce((s, r) => s + r.verified, 0), note, parts: rs };
    },
  };
}

export const scenarios = [
  memoryScenario("mem-chan", "idle", "memory per idle buffered channel, chan(16)",
    "N idle, empty chan(16) channels held in an array; bytes per channel after GC. Each channel is then used once to verify it."),
  memoryScenario("mem-recv", "parked", "memory per parked receiver",
    "N receivers parked on one unbuffered channel (capacity 1 for @thi.ng/csp, which also caps parked reads at 1024 per channel, so its receivers are spread over N/1024 channels), their Promises held; bytes per receiver after GC. Then N sends verify every receiver gets its value, in FIFO order."),
];
