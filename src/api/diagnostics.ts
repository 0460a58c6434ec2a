// diagnostics: find operations parked forever — the JS form of a leaked goroutine.
//
// Off by default, and then free: nothing is recorded. Once enabled, each operation that parks records
// when it parked and (with stacks, the default) where it was called, and every channel that has parked
// operations is listed here by a WeakRef while it has any: the list never keeps a channel alive, so a
// dropped channel still takes its parked operations with it.

/** One operation parked on this thread. */
export interface ParkedOp {
  /** What is parked: a send, a receive (recv, recvOk, for await) or a select. */
  op: "send" | "recv" | "select";
  /** The channel (for a select, every channel of its cases). */
  channels: {
    /** The channel's id (stable for its life). */
    id: number;
    /** Its name, if it was given one (`chan(n, { name })`). */
    name?: string;
  }[];
  /** How long it has been parked, in milliseconds. */
  parkedMs: number;
  /** Where it was called (the first frame outside wasmchan first), if stacks were enabled. */
  stack?: string;
}

/** A parked operation that can describe itself: null unless it parked while diagnostics were on,
 *  in the current session (since the last enable()). */
export interface Describable {
  describe(now: number): ParkedOp | null;
}

/** A channel that can list its parked operations. */
export interface Tracked {
  parkedOps(): Iterable<Describable>;
}

/** Read on slow paths only (when an operation parks). `session` counts enable() calls: an op records
 *  the session it parked in, and only the current session's ops are listed. */
export const diag = { on: false, stacks: false, session: 0 };

const tracked = new Set<WeakRef<Tracked>>();

/** Lists a channel that has a parked operation (called on each park while diagnostics are on); `ref` is
 *  its handle from an earlier call, if any. Returns the handle to untrack it with. */
export function track(ch: Tracked, ref: WeakRef<Tracked> | undefined | null): WeakRef<Tracked> {
  if (ref != null && tracked.has(ref)) return ref;
  const fresh = new WeakRef(ch);
  tracked.add(fresh);
  return fresh;
}

export function untrack(ref: WeakRef<Tracked>): void {
  tracked.delete(ref);
}

const here = new URL(".", import.meta.url);
const ourFrames = [here.href, decodeURIComponent(here.pathname)];

/** The caller's stack without wasmchan's own frames, or undefined when stacks are off. */
export function callerStack(): string | undefined {
  if (!diag.stacks) return undefined;
  const lines = (new Error().stack ?? "").split("\n").slice(1);
  return lines
    .filter((l) => !ourFrames.some((f) => l.includes(f)) && !/^\s*at new Promise \(<anonymous>\)$/.test(l))
    .map((l) => l.trim())
    .join("\n");
}

export function now(): number {
  return performance.now();
}

/** When and where an op parked, and in which diagnostics session. */
export interface ParkTrace {
  session: number;
  since: number;
  stack: string | undefined;
}

/** Records a park while diagnostics are on (else undefined). Taking a stack may run user code
 *  (Error.prepareStackTrace), which may complete the very op: call it once the op is fully registered. */
export function parkTrace(): ParkTrace | undefined {
  return diag.on ? { session: diag.session, since: now(), stack: callerStack() } : undefined;
}

/** How diagnostics list a parked `op` on `channels()` that recorded `trace`: null unless it parked in
 *  the current session. */
export function parkedOp(trace: ParkTrace | undefined, op: ParkedOp["op"], channels: () => ParkedOp["channels"], t: number): ParkedOp | null {
  if (trace === undefined || trace.session !== diag.session || !diag.on) return null;
  return { op, channels: channels(), parkedMs: t - trace.since, stack: trace.stack };
}

function parked(): ParkedOp[] {
  const t = now();
  const seen = new Set<Describable>();
  const out: ParkedOp[] = [];
  for (const ref of tracked) {
    const ch = ref.deref();
    if (ch === undefined) {
      tracked.delete(ref);
      continue;
    }
    for (const w of ch.parkedOps()) {
      if (seen.has(w)) continue; // a select is parked on several channels
      seen.add(w);
      const op = w.describe(t);
      if (op !== null) out.push(op);
    }
  }
  return out.sort((a, b) => b.parkedMs - a.parkedMs);
}

function format(ops: ParkedOp[]): string {
  const lines = [`wasmchan: ${ops.length} operation${ops.length === 1 ? "" : "s"} still parked:`];
  for (const op of ops) {
    const chans = op.channels.map((c) => `chan #${c.id}${c.name !== undefined ? ` "${c.name}"` : ""}`).join(", ");
    lines.push(`- ${op.op} on ${chans}, parked for ${Math.round(op.parkedMs)} ms`);
    if (op.stack) for (const l of op.stack.split("\n")) lines.push(`    ${l}`);
  }
  return lines.join("\n");
}

/** A leak check failed: operations are still parked. `ops` lists them. */
export class LeakError extends Error {
  /** @param ops The operations still parked. */
  constructor(readonly ops: ParkedOp[]) {
    super(format(ops));
    this.name = "LeakError";
  }
}

/**
 * Finding leaked operations: while enabled, every operation that parks is recorded (and where it was
 * called), so a test or a server can list what is still waiting (`parked()`) or fail when anything is
 * (`verifyNone()`).
 */
export const diagnostics = {
  /** Starts recording parked operations (and where they were called, unless `stacks: false`). */
  enable(opts: { stacks?: boolean } = {}): void {
    diag.on = true;
    diag.stacks = opts.stacks ?? true;
    diag.session++;
    tracked.clear(); // channels with parked ops re-enter at their next first park
  },
  /** Stops recording and forgets what was recorded. */
  disable(): void {
    diag.on = false;
    diag.stacks = false;
    tracked.clear();
  },
  /** Every operation parked on this thread since diagnostics were last enabled, and still parked,
   *  longest parked first. */
  parked,
  /** A readable dump of `parked()`. */
  dump(): string {
    return format(parked());
  },
  /** goleak's VerifyNone: throws a LeakError listing every parked operation, if there is any.
   *  Use it in `afterEach`. */
  verifyNone(): void {
    if (!diag.on) throw new Error("wasmchan: diagnostics.verifyNone() needs diagnostics.enable() first (before the operations it should see)");
    const ops = parked();
    if (ops.length > 0) throw new LeakError(ops);
  },
};
