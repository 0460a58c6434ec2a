// wasmchan/pool: a worker pool on shared channels. Tasks go to the workers through one `jobs` channel
// (its capacity bounds what is queued), results come back through `results`, failures through
// `failures`, each tagged with its task's id; `run(task)` returns a Promise per task.
//
// Invariants: every task in `pending` (pending.ts) is settled exactly once — by its result, its
// failure, the death of the worker that held it, or terminate(); a result for an id no longer pending
// (its worker was declared dead right after sending it) is dropped. A worker that dies (terminated, crashed, killed) is
// replaced, so the pool keeps its size, and fails only the tasks it held and had not reported (its
// region of `held`, written by worker.ts before it works).
import { SharedHeap, ChannelError, codecs, type Chan, type Codec } from "../index.js";
import { tagged } from "../api/codecs.js";
import type { Setup } from "./setup.js";
import { Pending } from "./pending.js";

/** Options of `Pool.create`. */
export interface PoolOptions<T, R> {
  /** The codec of a task (what `run` takes). */
  task: Codec<T>;
  /** The codec of a result (what the worker function returns). */
  result: Codec<R>;
  /** Workers; default: the machine's parallelism. */
  size?: number;
  /** Tasks queued for the workers at most (the jobs channel's capacity); more `run`s wait. Default 1024. */
  capacity?: number;
  /** Tasks a worker takes at once: more saves calls for tiny tasks, fewer spreads long ones. Default 32. */
  batch?: number;
  /** The function the module exports, by name. Default "default". */
  name?: string;
  /** Bytes of the pool's SharedHeap. Default 64 MiB. */
  maxBytes?: number;
}

type Tagged<V> = { id: number; value: V };
interface Handle { terminate(): void }

const g = globalThis as { process?: { getBuiltinModule?: (m: string) => unknown }; navigator?: { hardwareConcurrency?: number } };
type NodeWorker = { on(e: string, f: (x: any) => void): void; terminate(): Promise<number> };
const nodeWorkers = typeof g.process?.getBuiltinModule === "function"
  ? (g.process.getBuiltinModule("node:worker_threads") as { Worker: new (u: URL, o: unknown) => NodeWorker } | undefined)
  : undefined;

/** The error a task's Promise rejects with when its worker threw (name, message and stack as thrown). */
export class TaskError extends Error {
  /** The thrown error's name ("RangeError", ...). */
  readonly taskName: string;
  /** Its stack, in the worker. */
  readonly workerStack: string | undefined;

  /** @internal */
  constructor(message: string, taskName: string, workerStack?: string) {
    super(message);
    this.name = "TaskError";
    this.taskName = taskName;
    this.workerStack = workerStack;
  }
}

/** A pool of workers running one exported function on tasks sent through shared channels. */
export class Pool<T, R> {
  readonly #jobs: Chan<Tagged<T>>;
  readonly #results: Chan<Tagged<R>>;
  readonly #failures: Chan<Tagged<{ name: string; message: string; stack?: string }>>;
  readonly #pending = new Pending();
  readonly #workers: (Handle | undefined)[];
  readonly #held: Uint32Array;
  readonly #setup: Omit<Setup, "slot">;
  #closing = false;
  #closed: Promise<void> | undefined;
  #broken: unknown;
  #alive = 0;
  #allExited: (() => void) | undefined;
  #pumps: Promise<void>;

  private constructor(heap: SharedHeap, module: string, opts: PoolOptions<T, R>, size: number) {
    const batch = opts.batch ?? 32;
    if (!Number.isInteger(batch) || batch < 1 || batch > 4096) throw new RangeError("wasmchan/pool: batch must be an integer 1..4096");
    this.#jobs = heap.chan(opts.capacity ?? 1024, tagged(opts.task));
    this.#results = heap.chan(1024, tagged(opts.result));
    this.#failures = heap.chan(64, tagged(codecJson()));
    const held = new SharedArrayBuffer(size * (batch + 2) * 4);
    this.#held = new Uint32Array(held);
    this.#workers = new Array(size).fill(undefined);
    this.#setup = {
      module, name: opts.name ?? "default", batch, held,
      jobs: this.#jobs.share(), results: this.#results.share(), failures: this.#failures.share(),
    };
    this.#pumps = Promise.all([
      this.#pump(this.#results, (id, v) => this.#pending.settle(id, true, v)),
      this.#pump(this.#failures, (id, e) => this.#pending.settle(id, false, new TaskError(e.message, e.name, e.stack))),
    ]).then(() => {});
  }

  /** Starts `size` workers, each importing `module` (an ES module whose export `name` is the task
   *  function: `(task: T) => R` or a Promise of R), and resolves once they are ready. `module` is a URL,
   *  or a string: a path relative to the working directory in Node, Bun and Deno, a URL relative to
   *  the page in a browser. */
  static async create<T, R>(module: string | URL, opts: PoolOptions<T, R>): Promise<Pool<T, R>> {
    const size = opts.size ?? Math.max(1, (g.navigator?.hardwareConcurrency ?? 2) - 1);
    if (!Number.isInteger(size) || size < 1) throw new RangeError("wasmchan/pool: size must be an integer >= 1");
    const url = module instanceof URL ? module.href : new URL(module, moduleBase()).href;
    const heap = await SharedHeap.create({ maxBytes: opts.maxBytes ?? 64 << 20 });
    const pool = new Pool<T, R>(heap, url, opts, size);
    await Promise.all(pool.#workers.map((_, i) => pool.#spawn(i)));
    return pool;
  }

  /** Workers in the pool. */
  get size(): number {
    return this.#workers.length;
  }

  /** Runs `task` on a worker: resolves with its result, rejects with a TaskError if the function threw,
   *  or an Error if its worker died holding it. Waits for room in the queue (the pool's capacity). */
  run(task: T, opts?: { signal?: AbortSignal }): Promise<R> {
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    if (this.#closing) return Promise.reject(new ChannelError("wasmchan/pool: run on a closed pool"));
    const { id, promise } = this.#pending.one<R>();
    try {
      const job = { id, value: task };
      // Room in the queue: no Promise for the send. Full: the send waits (bounded submission).
      if (opts !== undefined || !this.#jobs.trySend(job)) this.#jobs.send(job, opts).then(undefined, (e) => this.#pending.settle(id, false, e));
    } catch (e) {
      this.#pending.settle(id, false, e); // a task the codec refuses: nothing was queued
      promise.catch(() => {});
      throw e;
    }
    return promise;
  }

  /** `run` for many tasks at once (a batch into the queue): their results, in order. */
  runMany(tasks: readonly T[]): Promise<R[]> {
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    if (this.#closing) return Promise.reject(new ChannelError("wasmchan/pool: run on a closed pool"));
    const k = tasks.length;
    if (k === 0) return Promise.resolve([]);
    const { first, promise } = this.#pending.many<R>(k);
    const jobs = new Array<Tagged<T>>(k);
    for (let j = 0; j < k; j++) jobs[j] = { id: first + j, value: tasks[j] };
    try {
      // If the send fails part way (the pool closed while it waited), the batch rejects; what was sent
      // may still report, so its ids stay taken (Pending.reject) until then or the pool's end.
      this.#jobs.sendMany(jobs).then(undefined, (e) => this.#pending.reject(first, e));
    } catch (e) {
      for (let j = 0; j < k; j++) this.#pending.settle(first + j, false, e); // refused by the codec: nothing was queued
      promise.catch(() => {});
      throw e;
    }
    return promise;
  }

  /** Lets the queued tasks finish, then stops the workers; resolves once they have exited. */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closing = true;
    const exited = new Promise<void>((resolve) => (this.#allExited = resolve));
    this.#jobs.close();
    this.#closed = (async () => {
      if (this.#alive > 0) await exited;
      // Every worker has exited: what they sent is in results and failures; drain them, then end.
      this.#results.close();
      this.#failures.close();
      await this.#pumps;
      this.#pending.failAll(new Error("wasmchan/pool: closed before this task ran")); // none, unless a worker died holding it
      this.#end();
    })();
    return this.#closed;
  }

  /** Stops the workers now: every task not yet settled rejects. */
  async terminate(): Promise<void> {
    this.#closing = true;
    const ws = [...this.#workers];
    this.#workers.fill(undefined); // first: a runtime may report the exit while terminate() runs (Deno does)
    for (const w of ws) w?.terminate();
    this.#pending.failAll(new Error("wasmchan/pool: terminated"));
    this.#end();
  }

  #end(): void {
    for (const ch of [this.#jobs, this.#results, this.#failures]) ch.dispose();
  }

  async #pump<V>(ch: Chan<Tagged<V>>, settle: (id: number, v: V) => void): Promise<void> {
    try {
      for (;;) {
        const rs = await ch.recvMany(256);
        if (rs.length === 0) return;
        for (const r of rs) settle(r.id, r.value);
      }
    } catch (e) {
      if (this.#closing && this.#pending.size === 0) return; // disposed at the end
      this.#broken = e; // a channel poisoned by a worker that died holding its lock: nothing can go on
      this.#pending.failAll(e);
    }
  }

  /** Fails the tasks worker `i` held and had not reported (it died). */
  #failHeld(i: number, why: Error): void {
    const b = this.#setup.batch + 2;
    const h = this.#held;
    const count = Atomics.load(h, i * b), reported = Atomics.load(h, i * b + 1);
    for (let k = reported; k < count; k++) this.#pending.settle(h[i * b + 2 + k], false, why);
    Atomics.store(h, i * b, 0);
  }

  #spawn(i: number): Promise<void> {
    const setup: Setup = { ...this.#setup, slot: i };
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const onMessage = (m: { ready?: boolean; error?: { message: string } }) => {
        if (m.ready) {
          ready = true;
          resolve();
        } else if (m.error !== undefined && !ready) reject(new Error(`wasmchan/pool: a worker could not start: ${m.error.message}`));
      };
      const onExit = () => {
        if (this.#workers[i] !== handle) return; // terminated by terminate()
        this.#workers[i] = undefined;
        this.#alive--;
        if (!ready) return reject(new Error("wasmchan/pool: a worker exited before it was ready"));
        this.#failHeld(i, new Error("wasmchan/pool: the worker running this task died"));
        if (!this.#closing) void this.#spawn(i).catch((e) => { this.#broken = e; this.#pending.failAll(e); });
        else if (this.#alive === 0) this.#allExited?.();
      };
      const handle = start(setup, onMessage, onExit);
      this.#workers[i] = handle;
      this.#alive++;
    });
  }
}

const workerUrl = new URL("./worker.js", import.meta.url);

/** How long after terminating a Web Worker that threw the pool reads what it held. */
const TERMINATE_SETTLE_MS = 100;

/** What a module given as a string is relative to: the working directory where there is one (Node,
 *  Bun, Deno), as a path on the command line would be; else the page (or worker) in a browser. */
function moduleBase(): string {
  const cwd = (g.process as { cwd?: () => string } | undefined)?.cwd?.();
  if (typeof cwd === "string") return `file://${cwd}/`;
  return (globalThis as { location?: { href?: string } }).location?.href ?? "file:///";
}

/** Starts a worker on Node-style runtimes (node:worker_threads) or as a module Web Worker. */
function start(setup: Setup, onMessage: (m: any) => void, onExit: () => void): Handle {
  if (nodeWorkers !== undefined) {
    const w = new nodeWorkers.Worker(workerUrl, { workerData: setup });
    w.on("message", onMessage);
    w.on("error", () => {}); // an uncaught error ends in "exit", which settles what it held
    w.on("exit", onExit);
    return { terminate: () => void w.terminate() };
  }
  const W = (globalThis as { Worker?: new (u: URL, o: unknown) => { postMessage(m: unknown): void; terminate(): void; onmessage: unknown; onerror: unknown } }).Worker;
  if (W === undefined) throw new TypeError("wasmchan/pool: this runtime has no workers");
  const w = new W(workerUrl, { type: "module" });
  // A browser does not say when a worker ends: one that ran out of jobs says so (worker.ts), and an
  // uncaught error is the sign of one that died. Either way it is terminated and has exited, once.
  let gone = false;
  const exit = (settleMs: number) => {
    if (gone) return;
    gone = true;
    w.terminate();
    if (settleMs === 0) onExit();
    else setTimeout(onExit, settleMs);
  };
  w.onmessage = (e: { data: unknown }) => ((e.data as { exiting?: boolean } | null)?.exiting === true ? exit(0) : onMessage(e.data));
  w.onerror = (e: { preventDefault?: () => void }) => {
    e.preventDefault?.(); // the pool answers for it (the task fails), as in Node: not the page's error
    // An uncaught error does not stop a worker, and terminate() gives no sign of when its script has
    // stopped: until then it may still take a batch and write it down in `held`. What it held is read
    // (and its slot given to a replacement) a while later, by when a terminated worker has long
    // stopped — a margin, not a proof (Node reports an exit only once the thread is gone).
    exit(TERMINATE_SETTLE_MS);
  };
  w.postMessage(setup);
  return { terminate: () => w.terminate() };
}

/** What a failure carries: a thrown error's name, message and stack (worker.ts cuts them to fit). */
function codecJson(): Codec<{ name: string; message: string; stack?: string }> {
  return codecs.json<{ name: string; message: string; stack?: string }>(FAILURE_BYTES);
}

/** Bytes of a failure's JSON at most (worker.ts keeps each text under a quarter of it). */
export const FAILURE_BYTES = 16384;
