// The pool's worker (wasmchan/pool): takes jobs in batches from the shared `jobs` channel, calls the
// user's function on each, and sends each result (or failure) back tagged with its job's id. Started by
// pool/index.ts with its Setup as Node's workerData, or as the first message of a Web Worker.
//
// What it holds is written down before it works on it, so that the thread that started it can fail
// exactly those jobs if it dies: its region of `held` is [count, reported, id_0 … id_count-1] — the jobs
// of the batch it took, and how many of them it has already reported (result or failure sent).
import { attach } from "../index.js";
import type { Setup } from "./setup.js";

const g = globalThis as { process?: { getBuiltinModule?: (m: string) => unknown }; addEventListener?: (t: string, f: (e: { data: unknown }) => void, o?: unknown) => void };
const wt = typeof g.process?.getBuiltinModule === "function"
  ? (g.process.getBuiltinModule("node:worker_threads") as { isMainThread: boolean; workerData: unknown; parentPort: { postMessage(m: unknown): void } | null })
  : undefined;

async function start(s: Setup, post: (m: unknown) => void): Promise<void> {
  const [jobs, results, failures] = await Promise.all([attach<{ id: number; value: unknown }>(s.jobs), attach<{ id: number; value: unknown }>(s.results), attach<{ id: number; value: unknown }>(s.failures)]);
  const mod = (await import(s.module)) as Record<string, unknown>;
  const f = mod[s.name];
  if (typeof f !== "function") throw new TypeError(`wasmchan/pool: ${s.module} has no function export ${JSON.stringify(s.name)}`);
  const held = new Uint32Array(s.held, s.slot * (s.batch + 2) * 4, s.batch + 2);
  post({ ready: true });
  for (;;) {
    const batch = jobs.recvManySync(s.batch); // at least one, or [] once jobs is closed and drained
    if (batch.length === 0) break;
    for (let i = 0; i < batch.length; i++) held[2 + i] = batch[i].id;
    Atomics.store(held, 1, 0);
    Atomics.store(held, 0, batch.length);
    // Results go back as one batch (one core call, one wake-up of the main thread), flushed before a
    // failure is sent and at the end of the batch; `reported` moves on only once they were sent.
    const out: { id: number; value: unknown }[] = [];
    const flush = (upTo: number) => {
      if (out.length > 0) {
        try {
          results.sendManySync(out); // checks every result first: one the codec refuses sends nothing
        } catch (e) {
          if (!(e instanceof TypeError || e instanceof RangeError)) throw e;
          // A result its codec refuses fails its own task (as a throw would), not the worker.
          for (const r of out) {
            try {
              results.sendSync(r);
            } catch (bad) {
              if (!(bad instanceof TypeError || bad instanceof RangeError)) throw bad;
              failures.sendSync({ id: r.id, value: describeError(bad) });
            }
          }
        }
      }
      out.length = 0;
      Atomics.store(held, 1, upTo);
    };
    for (let i = 0; i < batch.length; i++) {
      const { id, value } = batch[i];
      try {
        let r = f(value);
        if (typeof r === "object" && r !== null && typeof (r as { then?: unknown }).then === "function") r = await r;
        out.push({ id, value: r });
      } catch (e) {
        flush(i);
        failures.sendSync({ id, value: describeError(e) });
        Atomics.store(held, 1, i + 1);
      }
    }
    flush(batch.length);
    Atomics.store(held, 0, 0);
  }
}

/** What a failed task's Promise rejects with, as JSON can carry it. */
function describeError(e: unknown): { name: string; message: string; stack?: string } {
  const cut = (s: unknown) => String(s).slice(0, 1000); // 4 texts × 1000 UTF-16 units stay far under FAILURE_BYTES
  try {
    if (e instanceof Error) return { name: cut(e.name), message: cut(e.message), stack: e.stack === undefined ? undefined : cut(e.stack) };
    return { name: "Error", message: cut(e) };
  } catch {
    return { name: "Error", message: "a value that could not be described was thrown" };
  }
}

if (wt !== undefined && !wt.isMainThread && wt.parentPort !== null) {
  const port = wt.parentPort;
  start(wt.workerData as Setup, (m) => port.postMessage(m)).catch((e) => port.postMessage({ error: describeError(e) }));
} else if (typeof g.addEventListener === "function") {
  const post = (m: unknown) => (globalThis as unknown as { postMessage(m: unknown): void }).postMessage(m);
  // A Web Worker does not end with its script: once the jobs are drained it says so (the pool's close()
  // waits for every worker to end) and closes itself.
  const end = () => {
    post({ exiting: true });
    (globalThis as unknown as { close(): void }).close();
  };
  // One that fails (after it was ready: a channel disposed under it) says why and ends the same way,
  // so the pool fails what it held and replaces it, as Node does when such a worker's thread exits.
  g.addEventListener("message", (e) => void start(e.data as Setup, post).then(end, (err) => {
    post({ error: describeError(err) });
    end();
  }), { once: true });
}
