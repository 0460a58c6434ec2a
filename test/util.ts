// Helpers shared by the suites: promise-state tracking and "is it still blocked?" without timing.
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { expect } from "vitest";
import { macrotask as platformMacrotask } from "../dist/platform.js";

/** One macrotask turn, at least as long as the library's preemption takes to end a slice (platform.ts:
 *  in Node a setImmediate set from a setImmediate), and then a setImmediate: every pending microtask has
 *  run, and every Promise a slice deferred before it was called has settled, when it resolves. (Under
 *  Deno the library's slice end is a MessageChannel message, and this module's copy of platform.ts may
 *  be another instance, with a port of its own: messages of two ports keep no order between them.) */
export const macrotask = (): Promise<void> => new Promise((resolve) => platformMacrotask(() => setImmediate(resolve)));

/**
 * Let the event loop run `n` setImmediate turns and one setTimeout(0) turn. In these tests an
 * operation "blocks" when its promise is still pending afterwards: nothing here depends on how
 * long anything takes, only on which callbacks the runtime has had the chance to run.
 */
export async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await macrotask();
  await new Promise((resolve) => setTimeout(resolve, 0));
  await macrotask();
}

export interface Tracked<T> {
  state: "pending" | "fulfilled" | "rejected";
  value?: T;
  reason?: unknown;
  promise: Promise<T>;
}

/** Observe a promise's state without awaiting it (and mark its rejection as handled). */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { state: "pending", promise };
  promise.then(
    (value) => {
      t.state = "fulfilled";
      t.value = value;
    },
    (reason) => {
      t.state = "rejected";
      t.reason = reason;
    },
  );
  return t;
}

/** The error `fn` throws synchronously (fails the test when it does not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  expect.fail("expected a synchronous throw");
}

/** Go's panics: a ChannelError (and so an Error) whose message is exactly Go's text. */
export function expectPanic(lib: { ChannelError: abstract new (...a: never[]) => Error }, e: unknown, message: string): void {
  expect(e).toBeInstanceOf(lib.ChannelError);
  expect(e).toBeInstanceOf(Error);
  expect((e as Error).message).toBe(message);
}

/** A receive result `{ value, ok }` with `value` compared by identity (Object.is). */
export function expectRecvOk(r: unknown, value: unknown, ok: boolean): void {
  expect(r).toBeTypeOf("object");
  expect(r).not.toBeNull();
  const { value: v, ok: o } = r as { value: unknown; ok: boolean };
  expect(o).toBe(ok);
  expect(v).toBe(value);
}

/** Deterministic PRNG (mulberry32) so the interleaving tests are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/**
 * The built entry point of a core (by its name in cores.ts: "pure" → dist/pure.js, else
 * dist/index.js), as a file path, for child processes that import dist/ the way a user would.
 */
export function entryOf(coreName: string): string {
  const rel = /pure/i.test(coreName) ? "../dist/pure.js" : "../dist/index.js";
  return fileURLToPath(new URL(rel, import.meta.url));
}

/**
 * Runs `body` — the body of an async function with `lib` (the Wasm core's exports, from dist/) and
 * `workerData` in scope — in a worker thread; resolves with what it returns, rejects if it throws.
 */
export function inWorker(body: string, workerData: unknown): Promise<unknown> {
  const code = `
    import { workerData, parentPort } from "node:worker_threads";
    const lib = await import(${JSON.stringify(pathToFileURL(entryOf("wasm")).href)});
    const result = await (async () => { ${body} })();
    parentPort.postMessage({ result });`;
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData });
    let result: unknown;
    w.on("message", (m) => { result = m.result; });
    w.on("error", reject);
    w.on("exit", (exit) => (exit === 0 ? resolve(result) : reject(new Error(`worker exited ${exit}`))));
  });
}

/** The JS runtime running the tests (scripts/test-on.mjs runs the suite on Bun and Deno too). */
export const runtime: "node" | "bun" | "deno" =
  typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? "deno" : "node";

/** True (and says why, once per call site) when the tests run on one of `runtimes`: for `it.skipIf`. */
export function skipOn(runtimes: readonly ("bun" | "deno")[], why: string): boolean {
  if (!(runtimes as readonly string[]).includes(runtime)) return false;
  console.warn(`SKIPPED on ${runtime}: ${why}`);
  return true;
}

/** The arguments that make this runtime (process.execPath) run `script` as Node would with `node
 *  [--expose-gc] script`: Deno takes `run -A` and V8 flags apart. */
export function runtimeArgs(script: string, opts: { gc?: boolean } = {}): string[] {
  if (runtime === "deno") return ["run", "-A", ...(opts.gc ? ["--v8-flags=--expose-gc"] : []), script];
  return [...(opts.gc ? ["--expose-gc"] : []), script];
}
