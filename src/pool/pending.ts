// pending: the pool's tasks in flight and who waits for them. A task sent by `run` has an id of its own
// and a Promise of its own; the tasks of one `runMany` share one Promise, settled once every result is
// in (or at the first failure), so a batch of tiny tasks costs one Promise and one map entry per 256
// tasks, not a Promise, a reaction and an entry per task.
//
// Ids are u32 (the tagged codec's): 1..2^31-1 for single tasks, and for batches BATCH_BIT | block << 8 |
// j, a batch taking consecutive blocks of 256 ids (so its ids are consecutive numbers). Invariants: an id
// is in use until its task's outcome (result, failure, death of its worker) came back or every
// task was failed at once (failAll): a batch keeps its blocks until each of its tasks is accounted for,
// even after it was rejected, so a late result of a rejected batch can never land in a newer one.

/** Who waits for one task. */
interface Waiter {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** One runMany: its results by index, which tasks have had their outcome, what is still out, and its
 *  Promise's functions. */
interface Batch extends Waiter {
  readonly out: unknown[];
  readonly seen: Uint8Array;
  left: number;
  done: boolean;
  /** Its first block. */
  readonly first: number;
  readonly blocks: number;
}

const BATCH_BIT = 0x8000_0000;
const BLOCK = 256;
const BLOCKS = 1 << 23; // block numbers: BATCH_BIT | block << 8 stays a u32

export class Pending {
  /** Block numbers in use are below this (2^23; fewer lets a test reach the wrap-around). */
  readonly #space: number;
  readonly #one = new Map<number, Waiter>();
  readonly #blocks = new Map<number, Batch>();
  #next = 0;
  #nextBlock = 0;

  constructor(space = BLOCKS) {
    this.#space = Math.min(space, BLOCKS);
  }

  /** Tasks (single) and batches in flight. */
  get size(): number {
    return this.#one.size + this.#blocks.size;
  }

  /** A new single task: its id and its Promise. */
  one<R>(): { id: number; promise: Promise<R> } {
    do this.#next = (this.#next % (BATCH_BIT - 1)) + 1;
    while (this.#one.has(this.#next));
    const id = this.#next;
    const promise = new Promise<R>((resolve, reject) => this.#one.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    return { id, promise };
  }

  /** A new batch of `k` >= 1 tasks: its first id (the others follow it) and its Promise of every result,
   *  in order. */
  many<R>(k: number): { first: number; promise: Promise<R[]> } {
    const blocks = Math.ceil(k / BLOCK);
    const space = this.#space;
    if (blocks > space / 2) throw new RangeError(`wasmchan/pool: runMany of ${k} tasks: at most ${(space / 2) * BLOCK} at once`);
    let b = this.#nextBlock;
    for (let tries = 0; ; tries++) {
      if (b + blocks > space) b = 0;
      let used = -1;
      for (let q = 0; q < blocks; q++) if (this.#blocks.has(b + q)) used = b + q;
      if (used < 0) break;
      if (tries > space) throw new RangeError("wasmchan/pool: too many tasks in flight");
      b = used + 1;
    }
    this.#nextBlock = b + blocks;
    let batch!: Batch;
    const promise = new Promise<R[]>((resolve, reject) => {
      batch = { out: new Array(k), seen: new Uint8Array(k), left: k, done: false, first: b, blocks, resolve: resolve as (v: unknown) => void, reject };
    });
    for (let q = 0; q < blocks; q++) this.#blocks.set(b + q, batch);
    return { first: (BATCH_BIT | (b << 8)) >>> 0, promise };
  }

  /** Task `id`'s outcome: its result (ok) or why it failed. An id not in flight, or a second outcome
   *  of one task, is ignored (its worker was declared dead just after it reported, or everything was
   *  failed): a batch counts each task once. */
  settle(id: number, ok: boolean, v: unknown): void {
    if (id < BATCH_BIT) {
      const w = this.#one.get(id);
      if (w === undefined) return;
      this.#one.delete(id);
      if (ok) w.resolve(v);
      else w.reject(v);
      return;
    }
    const block = (id >>> 8) & (BLOCKS - 1);
    const b = this.#blocks.get(block);
    if (b === undefined) return;
    const j = (block - b.first) * BLOCK + (id & (BLOCK - 1));
    if (j >= b.seen.length || b.seen[j] === 1) return;
    b.seen[j] = 1;
    if (ok) b.out[j] = v;
    else if (!b.done) {
      b.done = true;
      b.reject(v); // the first failure rejects the batch, as Promise.all would
    }
    if (--b.left > 0) return;
    for (let q = 0; q < b.blocks; q++) this.#blocks.delete(b.first + q);
    if (!b.done) {
      b.done = true;
      b.resolve(b.out);
    }
  }

  /** Rejects the batch whose first id is `first` with `e` without counting its tasks as accounted
   *  for: some may still be queued or running (a send that failed part way), so its ids stay taken
   *  until they report or everything is failed. */
  reject(first: number, e: unknown): void {
    const b = this.#blocks.get((first >>> 8) & (BLOCKS - 1));
    if (b === undefined || b.done) return;
    b.done = true;
    b.reject(e);
  }

  /** Fails every task in flight with `e` and forgets them all. */
  failAll(e: unknown): void {
    const ws: Waiter[] = [...this.#one.values()];
    for (const b of new Set(this.#blocks.values())) if (!b.done) (b.done = true), ws.push(b);
    this.#one.clear();
    this.#blocks.clear();
    for (const w of ws) w.reject(e);
  }
}
