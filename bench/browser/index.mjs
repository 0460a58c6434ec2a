// The browser bench: the harness (harness.mjs) in headless Chromium and Firefox, each page served
// cross-origin isolated, and on Node's main thread for the column to compare with. `npm run bench --
// --browser` calls it after the Node scenarios; `node bench/browser/index.mjs [--quick]` alone prints
// the figures. Returns { options, environments: [{ id, name, note }], results: { id → harness result } }.
import { available } from "./engines.mjs";
import { serve } from "./server.mjs";
import { runNode } from "./node.mjs";

/** Full: 1M values per transport run (postMessage per value: 250k), 3 rounds; quick: a reduced run. */
export function browserOptions(quick) {
  return quick
    ? { n: 10_000, rounds: 1, stallMs: 300, sameRounds: 2, sameScale: 0.1, abRounds: 2, abMs: 20 }
    : { n: 1_000_000, rounds: 3, stallMs: 1000, sameRounds: 15, sameScale: 1, abRounds: 16, abMs: 100 };
}

export async function runBrowserBench({ quick = false, progress = () => {}, timeoutMs = 20 * 60_000 } = {}) {
  const options = browserOptions(quick);
  const out = { options, environments: [], results: {}, missing: [] };
  progress("node: running");
  out.environments.push({ id: "node", short: "Node", name: `Node ${process.versions.node}`, note: "main thread + worker_threads" });
  out.results.node = await runNode({ ...options, progress: (t) => progress(`node: ${t}`) });
  const { server, origin } = await serve();
  try {
    const found = available();
    for (const e of ["chromium", "firefox"]) if (!found.some((x) => x.id === e)) out.missing.push(e);
    for (const engine of found) {
      progress(`${engine.id}: launching`);
      const b = await engine.launch();
      try {
        const page = await b.newPage();
        const errors = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        page.on("console", (m) => {
          const text = typeof m.text === "function" ? m.text() : String(m);
          if (text.startsWith("wasmchan-bench: ")) progress(`${engine.id}: ${text.slice(16)}`);
        });
        const q = new URLSearchParams(Object.entries(options).map(([k, v]) => [k, String(v)]));
        await page.goto(`${origin}/isolated/bench/browser/page.html?${q}`);
        await b.waitForResult(page, timeoutMs);
        const r = await page.evaluate(() => window.result);
        if (errors.length && !r.error) r.error = errors.join("; ");
        out.environments.push({ id: engine.id, short: engine.name, name: b.version, note: b.note });
        out.results[engine.id] = r;
      } finally {
        await b.close();
      }
    }
  } finally {
    server.close();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runBrowserBench({ quick: process.argv.includes("--quick"), progress: (t) => console.log(t) });
  console.log(JSON.stringify(r, null, 1));
}
