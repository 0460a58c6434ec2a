// The benchmark suite in quick mode: it runs end to end, writes the three report files, every result
// has samples and verified messages (or says why it was skipped), and no run failed verification.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "wasmchan-bench-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Result {
  scenario: string; impl: string; ok: boolean; status: string; unit: string;
  samples?: number[]; messagesVerified?: number; skipped?: string; error?: string;
}

describe("npm run bench -- --quick", () => {
  it("writes REPORT.md, results.json and report.html with verified results for every scenario kind", async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ["bench/run.mjs", "--quick", "--out", `${out}/`], { cwd: root, timeout: 150_000, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
      child.stdin?.end();
    });
    expect(stderr + stdout).not.toMatch(/FAILED/);
    expect(code).toBe(0);
    for (const f of ["REPORT.md", "results.json", "report.html"]) expect(existsSync(join(out, f))).toBe(true);

    const report = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    expect(report.quick).toBe(true);
    expect(report.environment).toMatchObject({ node: process.version, cores: expect.any(Number), cpu: expect.any(String) });
    expect(report.environment.packages.wasmchan).toBeTypeOf("string");
    const results: Result[] = report.results;
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      expect(r.status, `${r.scenario} ${r.impl}: ${r.error ?? ""}`).not.toBe("failed");
      if (r.status === "skipped") {
        expect(r.skipped, `${r.scenario} ${r.impl}`).toBeTypeOf("string");
      } else {
        expect(r.ok).toBe(true);
        expect(r.samples!.length, `${r.scenario} ${r.impl}`).toBeGreaterThan(0);
        expect(r.samples!.every((x) => Number.isFinite(x) && x >= 0 || r.unit === "B/item")).toBe(true);
        expect(r.messagesVerified!, `${r.scenario} ${r.impl}`).toBeGreaterThan(0);
      }
    }
    // every scenario kind ran, and every scenario has a verified result from both wasmchan cores or the S5 transports
    const kinds = new Set(report.scenarios.map((s: { kind: string }) => s.kind));
    expect([...kinds].sort()).toEqual(["batches", "memory", "pools", "processes", "same-thread", "workers"]);
    for (const s of report.scenarios) {
      const ok = results.filter((r) => r.scenario === s.id && r.ok);
      // S7 needs nats-server (CI installs it); without it the scenario says so and is skipped.
      if (s.kind === "processes" && !process.env.CI && results.every((r) => r.scenario !== s.id || r.status === "skipped")) continue;
      expect(ok.length, s.id).toBeGreaterThan(0);
      expect(ok.some((r) => r.impl === s.floor), `${s.id} has its floor ${s.floor}`).toBe(true);
      if (s.kind === "workers") expect(ok.map((r) => r.impl)).toEqual(expect.arrayContaining(["wasm-async", "wasm-sync"]));
      else if (s.kind === "processes") expect(ok.map((r) => r.impl)).toEqual(expect.arrayContaining(["bridge", "jetstream"]));
      else if (s.kind === "batches") expect(ok.map((r) => r.impl).sort()).toEqual(["send", "sendMany", "trySend"]);
      else if (s.kind === "pools") {
        const all = ["piscina", "postmessage", "tinypool", "wasmchan", "wasmchan-batch", "workerpool"];
        const hangs = process.versions.bun ? "workerpool" : process.versions.deno ? "tinypool" : ""; // skipped there, saying why
        expect(ok.map((r) => r.impl).sort()).toEqual(all.filter((i) => i !== hangs));
        for (const r of ok) expect((r as unknown as { stallMs: number }).stallMs, `${s.id} ${r.impl} stall`).toBeGreaterThanOrEqual(0);
      } else expect(ok.map((r) => r.impl)).toEqual(expect.arrayContaining(["wasm", "pure"]));
    }
    for (const id of ["S1", "S1c", "S2", "S3", "S4", "S6", "make", "mem-chan", "mem-recv", "S5-1:1", "S5-4:4", "S7-i32", "S7-bytes", "S8-tiny", "S8-cpu", "S8-bytes", "B1-wasm", "B1-shared", "B1-pure"]) {
      expect(report.scenarios.map((s: { id: string }) => s.id)).toContain(id);
    }
    // semantic probes ran for every Promise-based library, and wasmchan passes them all
    expect(Object.keys(report.probes.results)).toEqual(expect.arrayContaining(["wasm", "pure", "ts-chan", "medium", "thing-csp"]));
    for (const core of ["wasm", "pure"]) {
      for (const [id, p] of Object.entries(report.probes.results[core] as Record<string, { status: string }>)) expect(p.status, `${core} ${id}`).toBe("pass");
    }

    const md = readFileSync(join(out, "REPORT.md"), "utf8");
    expect(md).toMatch(/^# wasmchan benchmark report/);
    expect(md).toContain("## Summary");
    expect(md).toContain("## Semantic probes");
    expect(md).toMatch(/\| implementation \| median \| min – max \| ratio to floor \|/);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script[^>]*src=|<link[^>]*href=|https?:\/\//); // self-contained
    expect((html.match(/<svg /g) ?? []).length).toBe(report.scenarios.length);
    // the summary table is printed at the end
    expect(stdout).toMatch(/\| scenario \|/);
  }, 180_000);
});
