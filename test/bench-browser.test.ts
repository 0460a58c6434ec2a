// The browser bench, reduced (`npm run bench -- --quick --browser-only`: 10k values per transport run,
// one round): it runs in Node, Chromium and Firefox, every run verified its values, and results.json,
// REPORT.md and report.html carry the browser section — a column per environment, a figure and a
// stall per transport, the preemption rows and the same-thread scenarios.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { skipOn } from "./util";
// @ts-expect-error plain ESM of the bench
import { available } from "../bench/browser/engines.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "wasmchan-bench-browser-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const engines: { id: string }[] = available();
const missing = ["chromium", "firefox"].filter((id) => !engines.some((e) => e.id === id));
if (missing.length && process.env.CI) throw new Error(`the browser bench needs ${missing.join(" and ")} (.ci/run installs them)`);
if (missing.length) console.warn(`browser bench: ${missing.join(", ")} not found; their columns are not checked`);

const TRANSPORTS = ["postmessage", "postmessage-batch", "wasm-async", "wasm-batch", "sab-ring", "ringbuf"];

describe("npm run bench -- --quick --browser-only", () => {
  const skip = skipOn(["bun", "deno"], "the bench is a Node tool (npm run bench); the browsers' part of it runs in browsers, the same from any runtime");
  it.skipIf(skip)("runs the harness in Node and each browser and writes the browser section of the report", async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ["bench/run.mjs", "--quick", "--browser-only", "--out", `${out}/`], { cwd: root, timeout: 240_000, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
    });
    expect(stderr + stdout).not.toMatch(/FAILED/);
    expect(code).toBe(0);

    const report = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    const b = report.browser;
    const ids = ["node", ...engines.map((e) => e.id)];
    expect(b.environments.map((e: { id: string }) => e.id)).toEqual(ids);
    for (const id of ids) {
      const r = b.results[id];
      expect(r.error, id).toBeUndefined();
      for (const name of TRANSPORTS) {
        const t = r.transports[name];
        expect(t.error, `${id} ${name}`).toBeUndefined();
        expect(t.messagesVerified, `${id} ${name}`).toBe(t.messagesPerRun * b.options.rounds);
        expect(t.median).toBeGreaterThan(0);
        expect(t.stall).toBeGreaterThan(0);
      }
      for (const s of ["S1", "S1c", "S2", "S3", "S4"]) {
        for (const [name, x] of Object.entries<{ error?: string; median: number; messagesVerified: number }>(r.sameThread[s].subjects)) {
          expect(x.error, `${id} ${s} ${name}`).toBeUndefined();
          expect(x.median, `${id} ${s} ${name}`).toBeGreaterThan(0);
          expect((x as unknown as { samples: number[] }).samples.length, `${id} ${s} ${name}`).toBe(b.options.sameRounds);
          expect(x.messagesVerified % (3 + b.options.sameRounds), `${id} ${s} ${name}: every run verified`).toBe(0);
        }
      }
      // The A/B: every pair measured, in every shape.
      for (const k of ["wasm-async", "wasm-batch"]) {
        expect(r.preemption[k].on.samples.length, `${id} ${k}`).toBe(b.options.abRounds);
        expect(r.preemption[k].off.samples.length, `${id} ${k}`).toBe(b.options.abRounds);
        expect(r.preemption[k].ratio, `${id} ${k}`).toBeGreaterThan(0);
      }
      for (const s of ["S1", "S1c", "S2", "S3", "S4"]) {
        for (const core of ["wasm", "pure"]) expect(r.preemption.sameThread[`${s} ${core}`].ratio, `${id} ${s} ${core}`).toBeGreaterThan(0);
      }
      // Preemption on lets the timer run during the loop; off, the loop holds the thread throughout.
      for (const core of ["wasm", "pure"]) {
        const p = r.stallProbe[core];
        expect(p.off, `${id} ${core}`).toBeGreaterThan(b.options.stallMs * 0.9);
        expect(p.on, `${id} ${core}`).toBeLessThan(p.off);
      }
    }

    const md = readFileSync(join(out, "REPORT.md"), "utf8");
    const section = md.slice(md.indexOf("## Browsers"));
    expect(section.length).toBeGreaterThan(100);
    const columns = b.environments.map((e: { short: string }) => e.short);
    expect(section).toContain(`| transport | ${columns.join(" | ")} |`);
    for (const label of ["postMessage per value", "wasmchan `sendSync` → `await ch.recv()`", "bare SharedArrayBuffer ring", "longest stall, preemption on", "**worst of these**", "S4 · wasmchan/pure"]) {
      const row = section.split("\n").find((l) => l.startsWith(`| ${label}`));
      expect(row, label).toBeDefined();
      expect(row!.split(" | ").length, label).toBe(columns.length + 1);
      expect(row, label).not.toMatch(/FAILED|—/);
    }
    expect(md).toMatch(/\*\*In browsers\*\*/); // the verdict speaks of them
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain('<section id="browsers">');
    expect(html).toMatch(/<th>Chromium<\/th>|<th>Node<\/th>/);
  }, 300_000);
});
