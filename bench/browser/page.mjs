// The browser bench's page: runs the harness with the options in the query string (n, rounds,
// stallMs, sameRounds, sameScale) and leaves the result in window.result for the driver to read.
import * as wasmchan from "wasmchan";
import * as pure from "wasmchan/pure";
import { RingBuffer } from "../../node_modules/ringbuf.js/dist/index.es.js";
import * as scenarios from "../scenarios/same-thread.mjs";
import floor from "../impls/floor.mjs";
import { runHarness } from "./harness.mjs";
import { workerHandle } from "./worker-side.mjs";

const q = new URLSearchParams(location.search);
const num = (k, d) => (q.has(k) ? Number(q.get(k)) : d);
const log = (text) => {
  console.log(`wasmchan-bench: ${text}`);
  document.getElementById("log").textContent += `${text}\n`;
};

async function spawnWorker() {
  const w = new Worker(new URL("./web-worker.mjs", import.meta.url), { type: "module" });
  w.onerror = (e) => log(`worker error: ${e.message}`);
  const h = workerHandle((m, t) => w.postMessage(m, t ?? []), (f) => (w.onmessage = (e) => f(e.data)), () => w.terminate());
  const ready = await h.next();
  if (!ready.ready) throw new Error(`worker: ${ready.error ?? "did not start"}`);
  return h;
}

try {
  if (!crossOriginIsolated) throw new Error("the page is not cross-origin isolated (COOP/COEP headers missing)");
  const result = await runHarness(
    { wasmchan, pure, RingBuffer, scenarios, floor, spawnWorker },
    { n: num("n", 1_000_000), rounds: num("rounds", 3), stallMs: num("stallMs", 1000), sameRounds: num("sameRounds", 15), sameScale: num("sameScale", 1),
      abRounds: num("abRounds", 10), abMs: num("abMs", 150), progress: log },
  );
  window.result = { userAgent: navigator.userAgent, ...result };
} catch (e) {
  window.result = { error: String(e?.stack ?? e) };
}
