// The report page as a reader sees it: bench/report/results.json (the committed run) rendered into
// report.html and opened in headless Chromium. Every implementation that ran gets a bar a reader can
// see, every chart a labelled logarithmic axis and one colour per implementation, and the verdict in
// words opens the page (and REPORT.md).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM without types
import { writeReports } from "../bench/report.mjs";
// @ts-expect-error plain ESM without types
import { verdict } from "../bench/verdict.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("..", import.meta.url));
const report = JSON.parse(readFileSync(`${root}bench/report/results.json`, "utf8"));
const out = mkdtempSync(join(tmpdir(), "wasmchan-report-"));
writeReports(`${out}/`, report);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the benchmark report", () => {
  it("REPORT.md opens with a verdict computed from the figures: one thread, across workers, memory, across processes", () => {
    const md = readFileSync(`${out}/REPORT.md`, "utf8");
    const paragraphs: string[] = verdict(report);
    const browsers = report.browser ? ["**In browsers** (the"] : []; // a run with --browser
    const pools = report.scenarios.some((s: { kind: string }) => s.kind === "pools") ? ["**Worker pools** (S8"] : [];
    const batches = report.scenarios.some((s: { kind: string }) => s.kind === "batches") ? ["**Batches** (bytes(1"] : [];
    expect(paragraphs.map((p) => p.slice(0, 20))).toEqual(["**On one thread** (S", ...batches, "**Across workers** (", "**Memory** per item ", "**Across processes o", ...pools, ...browsers]);
    expect(md.indexOf("## Verdict")).toBeLessThan(md.indexOf("## Summary"));
    for (const p of paragraphs) expect(md).toContain(p);
    // Its numbers are the report's: the Wasm core's S5-1:1 best and its ratio to postMessage.
    const med = (impl: string, s: string) => {
      const r = report.results.find((r: { impl: string; scenario: string; ok: boolean }) => r.impl === impl && r.scenario === s && r.ok);
      expect(r, `${impl} in ${s}`).toBeDefined();
      const v = r.samples.slice().sort((a: number, b: number) => a - b);
      return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    };
    const best = Math.min(...["wasm-sync", "wasm-async", "wasm-batch"].map((i) => med(i, "S5-1:1")));
    const ratio = med("postmessage", "S5-1:1") / best;
    expect(paragraphs[1 + batches.length]).toContain(`${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}× postMessage per value`);
  });

  it.skipIf(!existsSync(CHROMIUM))("report.html in Chromium: a visible bar for every implementation, a labelled log axis per chart, distinct colours, the verdict", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
      await page.goto(`file://${out}/report.html`);
      const charts = await page.$$eval("section svg", (svgs) => svgs.map((svg) => ({
        label: svg.getAttribute("aria-label"),
        axis: svg.getAttribute("data-axis"),
        ticks: [...svg.querySelectorAll("text.tick")].map((t) => t.textContent),
        bars: [...svg.querySelectorAll("rect.bar")].map((r) => ({ impl: r.getAttribute("data-impl"), width: r.getBoundingClientRect().width, fill: r.getAttribute("fill") })),
      })));
      const scenarios = report.scenarios.filter((s: { id: string }) => report.results.some((r: { scenario: string }) => r.scenario === s.id));
      expect(charts).toHaveLength(scenarios.length);
      for (const [i, s] of scenarios.entries()) {
        const c = charts[i];
        expect(c.label).toBe(s.title);
        expect(c.axis).toBe("log");
        expect(c.ticks.length, s.id).toBeGreaterThanOrEqual(2);
        for (const t of c.ticks) expect(t).toMatch(/^\d+(\.\d+)? (ns|µs|ms|B|KiB)$/);
        const ran = report.results.filter((r: { scenario: string; ok: boolean }) => r.scenario === s.id && r.ok).map((r: { impl: string }) => r.impl);
        expect(c.bars.map((b) => b.impl)).toEqual(ran);
        for (const b of c.bars) expect(b.width, `${s.id} ${b.impl}`).toBeGreaterThanOrEqual(8);
        expect(new Set(c.bars.map((b) => b.fill)).size, s.id).toBe(c.bars.length);
      }
      const v = await page.$eval("#verdict", (e) => e.textContent ?? "");
      expect(v).toContain("On one thread");
      expect(v).toContain("Across workers");
    } finally {
      await browser.close();
    }
  }, 60_000);

  it("a scenario where nothing ran, or figures of 0, still renders (no axis to draw, no endless ticks)", () => {
    const scenarios = [{ id: "X", title: "nothing ran", kind: "same-thread", unit: "ns/msg", floor: "floor" }, { id: "M", title: "zero", kind: "memory", unit: "B/item", floor: "floor" }];
    const results = [
      { scenario: "X", impl: "wasm", label: "wasm", ok: false, status: "failed", error: "boom" },
      { scenario: "X", impl: "pure", label: "pure", ok: false, status: "skipped", skipped: "n/a" },
      { scenario: "M", impl: "wasm", label: "wasm", ok: true, status: "ok", unit: "B/item", samples: [0, 0, 0] },
      { scenario: "M", impl: "floor", label: "floor", ok: true, status: "ok", unit: "B/item", samples: [100, 120, 110] },
    ];
    const dir = mkdtempSync(join(out, "edge-"));
    writeReports(`${dir}/`, { date: "d", quick: true, environment: { node: "x", cores: 2, cpu: "c", packages: {} }, scenarios, probes: { list: [], results: {} }, notes: [], results });
    const html = readFileSync(`${dir}/report.html`, "utf8");
    expect(html).toContain("FAILED: boom");
    expect((html.match(/class="tick"/g) ?? []).length).toBeLessThan(20);
  });
});
