// The browser bench's Node column: the same harness on Node's main thread, its worker a worker thread.
import { Worker } from "node:worker_threads";
import * as wasmchan from "wasmchan";
import * as pure from "wasmchan/pure";
import { RingBuffer } from "ringbuf.js";
import * as scenarios from "../scenarios/same-thread.mjs";
import floor from "../impls/floor.mjs";
import { runHarness } from "./harness.mjs";
import { workerHandle } from "./worker-side.mjs";

async function spawnWorker() {
  const w = new Worker(new URL("./node-worker.mjs", import.meta.url));
  w.on("error", (e) => console.error(`bench worker: ${e?.stack ?? e}`));
  const h = workerHandle((m, t) => w.postMessage(m, t ?? []), (f) => w.on("message", f), () => void w.terminate());
  const ready = await h.next();
  if (!ready.ready) throw new Error(`worker: ${ready.error ?? "did not start"}`);
  return h;
}

export async function runNode(opts) {
  const result = await runHarness({ wasmchan, pure, RingBuffer, scenarios, floor, spawnWorker }, opts);
  return { userAgent: `Node ${process.versions.node}`, ...result };
}
