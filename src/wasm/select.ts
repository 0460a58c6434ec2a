// select: Go's select statement over channels of one heap, run by the core's selectgo.
//
// JS lays the cases out in the heap's scratch area — CASE_SIZE records, then the core's poll/lock
// order words, then one 8-aligned elem area per case — and makes one core call. If the select parks,
// a SelectWaiter is remembered under each case's sudog in that case's channel; whichever channel's
// core call completes one case hands that sudog back, and settling runs Go's pass 3 (selectdone)
// right then, so the losing cases are gone before any other JS runs.
// The waiter holds every case's channel: a parked select keeps all its channels alive together,
// so none of them is reclaimed while another could still complete it.
import { parked } from "../api/preempt.js";
import { Case, type SelectResult, defaulted } from "../api/select.js";
import { Rng, pollOrder } from "../abi/pollorder.js";
import { abortReason, deathError, offAbort, onAbort, sendOnClosed, useOfDisposed } from "../api/errors.js";
import { ParkTrace, ParkedOp, parkTrace, parkedOp } from "../api/diagnostics.js";
import type { Heap } from "./heap.js";
import type { WasmChan } from "./chan.js";
import { Later, Parked, fire } from "./parked.js";
import {
  CASE_SIZE, SELECT_ORDER_WORDS, DIR_RECV, DIR_SEND, K_C, K_DIR, K_ELEM, R_BLOCK, R_CLOSED, R_DISPOSED, R_HANDOFF, R_NOMEM, R_PARKED, R_POISONED, R_TIMEOUT,
  S_CASE, S_LINK, T_RAND,
} from "../abi/layout.js";

/** The channel of a non-nil case. */
function chanOf(k: Case): WasmChan<any> {
  return Case.chOf(k) as WasmChan<any>;
}

/** Runs a select for the API's select() (src/api/select.ts), which checked the cases: at least one
 *  live channel, all of `heap`, and `signal` not aborted. */
export function selectgo(heap: Heap, cases: readonly Case[], dflt: boolean, signal: AbortSignal | undefined): Promise<SelectResult<any>> {
  const n = cases.length;
  if (!heap.shared) {
    const r = pass1(heap, cases, dflt);
    if (r !== undefined) return r;
  }
  let elemBytes = 0;
  let sends = false;
  for (let i = 0; i < n; i++) {
    const k = cases[i];
    if (Case.chOf(k) === null) continue;
    const ch = chanOf(k);
    if (ch.c === 0) ch.promote(); // a local channel still in its JS ring: the core needs it now
    if (Case.dirOf(k) === DIR_SEND) sends = true;
    elemBytes += (ch.size + 7) & ~7;
  }

  // Lay out the cases; the elem areas follow the cases and the core's order words.
  const orders = 4 * SELECT_ORDER_WORDS * n;
  const base = heap.scratch(n * CASE_SIZE + orders + elemBytes);
  // Elem addresses, in a reused array: everything below that reads it runs before select returns.
  if (elemsBuf.length < n) elemsBuf = new Array(n * 2).fill(0);
  const elems = elemsBuf;
  let at = (base + n * CASE_SIZE + orders + 7) & ~7;
  const u32 = heap.views.u32;
  for (let i = 0; i < n; i++) {
    const k = cases[i];
    const r = (base + i * CASE_SIZE) >>> 2;
    if (Case.chOf(k) === null) {
      u32[r + (K_C >>> 2)] = 0;
      elems[i] = 0;
      continue;
    }
    const ch = chanOf(k);
    u32[r + (K_C >>> 2)] = ch.c;
    u32[r + (K_DIR >>> 2)] = Case.dirOf(k);
    u32[r + (K_ELEM >>> 2)] = at;
    elems[i] = at;
    at += (ch.size + 7) & ~7;
  }
  // Values last: writing an untyped value takes a handle, which every exit below must give back.
  if (sends) {
    let i = 0;
    try {
      for (; i < n; i++) {
        const k = cases[i];
        if (Case.dirOf(k) === DIR_SEND && Case.chOf(k) !== null) chanOf(k).store(elems[i], Case.pOf(k));
      }
    } catch (e) {
      // A value that no longer fits (a resizable buffer grown since its case was built): give back
      // the handles the cases before it took, and send nothing.
      for (let j = 0; j < i; j++) {
        const k = cases[j];
        if (Case.dirOf(k) === DIR_SEND && Case.chOf(k) !== null) chanOf(k).drop(elems[j]);
      }
      throw e;
    }
  }

  const r = heap.core.selectgo(heap.t, base, n, dflt ? 0 : 1);
  if (r === R_PARKED) {
    heap.sync(); // parking allocated sudogs: the memory may have grown
    // The sudogs hold copies of the sent values; keep their handles to forget the ones that lose.
    const held: number[] = new Array(n).fill(0);
    if (sends) for (let i = 0; i < n; i++) if (elems[i] !== 0 && cases[i].dir === DIR_SEND) held[i] = chanOf(cases[i]).heldAt(elems[i]);
    return park(heap, cases, held, heap.out(), signal);
  }
  if (r === R_BLOCK) {
    if (sends) dropValues(cases, elems, -1);
    return defaulted();
  }
  if (r === R_NOMEM || r === R_DISPOSED || r === R_POISONED || r === R_TIMEOUT) {
    if (sends) dropValues(cases, elems, -1);
    throw r === R_NOMEM ? heap.noMemory() : r === R_DISPOSED ? useOfDisposed() : deathError(r);
  }
  const index = heap.index();
  const k = cases[index];
  const ch = chanOf(k);
  if (Case.dirOf(k) === DIR_SEND) {
    if (r === R_CLOSED) {
      if (sends) dropValues(cases, elems, -1);
      return Promise.reject(sendOnClosed());
    }
    if (sends) dropValues(cases, elems, index);
    if (r === R_HANDOFF) wake(ch, heap.out());
    return Promise.resolve({ index, value: undefined, ok: true });
  }
  // Read our value before waking anyone: settling a woken select reuses the scratch area.
  const value = ch.take(elems[index]);
  const out = r === R_HANDOFF ? heap.out() : 0;
  if (sends) dropValues(cases, elems, -1);
  if (out !== 0) ch.deliver(out);
  return Promise.resolve({ index, value, ok: r !== R_CLOSED });
}

let elemsBuf: number[] = new Array(16).fill(0);

// ---- pass 1 in JS, for unshared memory
//
// On unshared memory nothing changes between two calls of this thread, so Go's pass 1 — the first
// ready case in poll order runs — is made of each case channel's own non-blocking op (its JS ring, its
// buffered fast path, or one non-blocking core call), tried in the poll order the core would draw from
// the same random state (T_RAND). A case that is not ready changes nothing. Only when none is ready
// and the select must park does the core run it: with T_RAND put back, it draws the same poll order,
// finds the same nothing, and parks.

const rng: Rng = { x: 0 };
let order = new Int32Array(16);

function pass1(heap: Heap, cases: readonly Case[], dflt: boolean): Promise<SelectResult<any>> | undefined {
  for (let i = 0; i < cases.length; i++) {
    const ch = Case.chOf(cases[i]) as WasmChan<any> | null;
    if (ch !== null && !ch.js) return undefined;
  }
  if (order.length < cases.length) order = new Int32Array(cases.length * 2);
  const u32 = heap.views.u32;
  const seed = (heap.t + T_RAND) >>> 2;
  const before = u32[seed];
  rng.x = before;
  const norder = pollOrder(cases, order, rng, Case.chOf);
  u32[seed] = rng.x;
  for (let i = 0; i < norder; i++) {
    const index = order[i];
    const k = cases[index];
    const ch = chanOf(k);
    if (Case.dirOf(k) === DIR_RECV) {
      const r = ch.tryrecvp();
      if (r !== undefined) return Promise.resolve({ index, value: r.value, ok: r.ok });
      continue;
    }
    let sent: boolean;
    try {
      sent = ch.trysendp(Case.pOf(k)); // throws on a closed channel: Go's select panics there too
    } catch (e) {
      return Promise.reject(e);
    }
    if (sent) return Promise.resolve({ index, value: undefined, ok: true });
  }
  if (dflt) return defaulted();
  heap.views.u32[seed] = before; // the core's selectgo draws the same order again
  return undefined;
}

/** Forgets the values written for the send cases, but the one at `except` (a send that went). */
function dropValues(cases: readonly Case[], elems: number[], except: number): void {
  for (let i = 0; i < cases.length; i++) {
    const k = cases[i];
    if (i !== except && Case.dirOf(k) === DIR_SEND && Case.chOf(k) !== null) chanOf(k).drop(elems[i]);
  }
}

function wake(ch: WasmChan<any>, sg: number): void {
  if (sg !== 0) ch.deliver(sg);
}

function park(heap: Heap, cases: readonly Case[], held: number[], g: number,
  signal: AbortSignal | undefined): Promise<SelectResult<any>> {
  let resolve!: (r: SelectResult<any>) => void, reject!: (e: unknown) => void;
  const p = new Promise<SelectResult<any>>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const w = new SelectWaiter(heap, cases, held, g, resolve, reject, signal);
  w.register();
  if (signal !== undefined) onAbort(signal, w);
  if (heap.shared) heap.waitAsync(g, () => w.done, () => w.settle());
  w.record();
  parked(); // last: settling or a stack trace above may run user code and channel ops
  return p;
}

/** A parked select of this thread: remembered under each of its sudogs, in each case's channel. */
class SelectWaiter implements Parked {
  /** When it parked and where it was called, while diagnostics are on (see record). */
  private trace: ParkTrace | undefined = undefined;

  /** Records when and where it parked, once registered (see parkTrace). */
  record(): void {
    this.trace = parkTrace();
  }

  describe(t: number): ParkedOp | null {
    return parkedOp(this.trace, "select", () => this.cases.filter((k) => Case.chOf(k) !== null).map((k) => chanOf(k).info()), t);
  }

  /** sudog of each case (0 for nil cases). */
  private readonly sgs: number[];
  /** Settled or withdrawn. */
  done = false;

  constructor(
    private readonly heap: Heap,
    private readonly cases: readonly Case[],
    /** Handles of untyped send values (0 otherwise), to forget those not sent. */
    private readonly held: number[],
    private readonly g: number,
    private readonly resolve: (r: SelectResult<any>) => void,
    private readonly reject: (e: unknown) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.sgs = new Array(cases.length).fill(0);
    const u32 = heap.views.u32;
    for (let sg = g; sg !== 0; sg = u32[(sg + S_LINK) >>> 2]) this.sgs[u32[(sg + S_CASE) >>> 2]] = sg;
  }

  register(): void {
    for (let i = 0; i < this.cases.length; i++) {
      if (this.sgs[i] !== 0) chanOf(this.cases[i]).remember(this.sgs[i], this);
    }
  }

  private unregister(): void {
    this.done = true;
    if (this.heap.shared) this.heap.wakeOwn(this.g); // ends our own waitAsync, if a local waker got here first
    for (let i = 0; i < this.cases.length; i++) {
      if (this.sgs[i] !== 0) chanOf(this.cases[i]).forget(this.sgs[i], this);
    }
    if (this.signal !== undefined) offAbort(this.signal, this);
  }

  /** Some core call completed one of our cases (or closed its channel) and handed us its sudog. */
  settle(_ch?: unknown, _sg?: number, later: Later | null = null): void {
    this.unregister();
    const heap = this.heap;
    let size = 0;
    for (const k of this.cases) if (Case.chOf(k) !== null) size = Math.max(size, chanOf(k).size);
    const ep = heap.scratch(size);
    const index = heap.core.selectdone(heap.t, this.g, ep);
    const ok = heap.out() === 1;
    const k = this.cases[index];
    const ch = chanOf(k);
    // The value of every send case that did not go is still ours to forget; its copy was in a sudog.
    for (let i = 0; i < this.cases.length; i++) {
      const c = this.cases[i];
      if (Case.dirOf(c) === DIR_SEND && Case.chOf(c) !== null && (i !== index || !ok)) chanOf(c).unhold(this.held[i]);
    }
    if (Case.dirOf(k) === DIR_SEND) {
      if (ok) fire(this.resolve, { index, value: undefined, ok: true }, later);
      else fire(this.reject, sendOnClosed(), later);
      return;
    }
    fire(this.resolve, { index, value: ch.take(ep), ok }, later);
  }

  /** The signal aborted while parked. */
  handleEvent(): void {
    if (this.done) return;
    if (this.heap.core.selectcancel(this.g) === 0) return; // another thread's waker won first
    this.withdrawn(abortReason(this.signal!));
  }

  checkDead(): void {
    if (this.done) return;
    const dead = this.heap.core.parkdead(this.g);
    if (dead === 0) return;
    // A poisoned case: withdraw the select (unless a live waker won it meanwhile: then it completes).
    // Its waker died: it stays claimed for ever, its sudogs are lost.
    if (dead === 1 && this.heap.core.selectcancel(this.g) === 0) return;
    this.withdrawn(deathError(dead));
  }

  private withdrawn(why: unknown): void {
    this.unregister();
    for (let i = 0; i < this.cases.length; i++) {
      const c = this.cases[i];
      if (Case.dirOf(c) === DIR_SEND && Case.chOf(c) !== null) chanOf(c).unhold(this.held[i]);
    }
    this.reject(why);
  }
}
