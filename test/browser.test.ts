// Browsers: a cross-origin-isolated page and 2 Web Workers exchange 100k values through a shared
// channel, wasmchan/pool runs on Web Workers (results, failures, a worker that dies), and a page without the isolation headers uses local channels and select — in real
// headless Chromium (Debian's, driven by playwright-core) and Firefox ESR (Debian's, driven by
// puppeteer-core over WebDriver BiDi), loading the library as plain ESM from dist/.
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM, shared with the browser bench
import { engines as all, available } from "../bench/browser/engines.mjs";
// @ts-expect-error plain ESM, shared with the browser bench
import { serve } from "../bench/browser/server.mjs";

/** A page, as the two drivers' pages both can be used here. */
interface Page {
  on(event: "pageerror", f: (e: unknown) => void): unknown;
  goto(url: string): Promise<unknown>;
  evaluate<R>(f: () => R): Promise<R>;
  close(): Promise<void>;
}
interface Engine {
  id: string;
  name: string;
  path: string;
  launch(): Promise<{ newPage(): Promise<Page>; waitForResult(p: Page, timeout: number): Promise<unknown>; close(): Promise<void> }>;
}
const engines: Engine[] = available();
for (const e of all as Engine[]) {
  if (engines.includes(e)) continue;
  if (process.env.CI) throw new Error(`browser tests need ${e.name} at ${e.path} (.ci/run installs it)`);
  console.warn(`SKIPPED browser tests in ${e.name}: nothing at ${e.path} (apt-get install chromium firefox-esr, or set CHROMIUM_PATH / FIREFOX_PATH)`);
}

describe.each(engines)("in headless $name", (engine) => {
  let server: Server;
  let origin: string;
  let browser: Awaited<ReturnType<Engine["launch"]>>;

  beforeAll(async () => {
    ({ server, origin } = await serve());
    browser = await engine.launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  async function resultOf(path: string): Promise<any> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    try {
      await page.goto(origin + path);
      await browser.waitForResult(page, 90_000);
      const result = await page.evaluate(() => (window as any).result);
      expect(errors).toEqual([]);
      return result;
    } finally {
      await page.close();
    }
  }

  it("a page and 2 workers exchange 100k values through a shared channel", async () => {
    const r = await resultOf("/isolated/test/browser/isolated.html");
    expect(r.error).toBeUndefined();
    expect(r.isolated).toBe(true);
    expect(r.count).toBe(100_000);
    expect(r.sum).toBe((100_000 * 99_999) / 2);
    expect(r.mainThreadBlock).toBe("TypeError"); // the browser's main thread may not block
    expect(r.stats.parkedSenders + r.stats.parkedReceivers).toBe(0);
  }, 120_000);

  it("wasmchan/pool on Web Workers: run and runMany pair results with tasks, a throw rejects its task only, a dead worker fails its task and is replaced", async () => {
    const r = await resultOf("/isolated/test/browser/pool.html");
    expect(r.error).toBeUndefined();
    expect(r.runWrong).toBe(0);
    expect(r.runManyWrong).toBe(0);
    expect(r.throwsWrong).toBe(0);
    expect(r.crashRejected).toEqual([[13, "wasmchan/pool: the worker running this task died"]]);
    expect(r.crashWrong).toBe(0);
    expect(r.crashSize).toBe(2);
    expect(r.afterWrong).toBe(0);
  }, 120_000);

  it("without COOP/COEP, local channels and select work and SharedHeap.create says why it cannot", async () => {
    const r = await resultOf("/plain/test/browser/plain.html");
    expect(r.error).toBeUndefined();
    expect(r.isolated).toBe(false);
    expect(r.shared).toMatch(/Cross-Origin-Opener-Policy: same-origin/);
    expect(r.shared).toMatch(/Cross-Origin-Embedder-Policy: require-corp/);
    expect(r.count).toBe(1000);
    expect(r.sum).toBe((1000 * 999) / 2);
    expect(r.select).toEqual({ index: 0, value: "x", ok: true });
    expect(r.wgAborted).toBe("aborted");
    expect(r.wg).toBe("released");
  }, 120_000);
});
