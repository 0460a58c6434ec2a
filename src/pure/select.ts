// select: Go's selectgo (runtime/select.go; assembly/select.ts) for the API's select() (src/api/select.ts).
//
// A select parked on k channels is k sudogs, one per non-nil case, sharing one g (the first sudog in
// lock order) and linked through `link` in lock order. Invariants:
// - a waker moves the g out of G_WAITING (waitq.dequeue): whichever case does that wins the select,
//   and every other case is dead at that instant even while still queued (dequeue skips it);
// - the winner's goready runs pass 3 (selectdone) at once, so no dead case outlives the call that
//   decided the select;
// - the poll order is drawn from the same xorshift32 stream, in the same way, as the Wasm core's: for
//   the same seed and the same ready cases both cores pick the same case.
import { Rng, pollOrder } from "../abi/pollorder.js";
import { sendOnClosed } from "../api/errors.js";
import { DIR_SEND, F_SEND, F_SUCCESS, R_BLOCK, R_CLOSED, R_DONE, R_HANDOFF, R_PARKED } from "../abi/layout.js";
import { Case, type SelectResult, defaulted } from "../api/select.js";
import type { PureChan } from "./chan.js";
import { bufrecv, bufsend, recvFrom, sendTo } from "./hchan.js";
import { K_SELECT, SelectSudog, gopark, queueOf, received } from "./sudog.js";
import { dequeue, enqueue, unlink } from "./waitq.js";

/** Where selectgo leaves its other results (the Wasm core's T_OUT, T_INDEX and scratch area): read
 *  and cleared by the caller at once. */
const out = {
  /** The value received (as stored) by R_DONE / R_HANDOFF. */
  value: undefined as unknown,
  /** The g of R_PARKED. */
  sg: null as SelectSudog | null,
  /** The case that ran. */
  index: -1,
};

/** What a send case puts in the channel: a snapshot of its checked value, taken per use — a case may
 *  be reused by select after select, and a receiver owns what it gets (bytes(n) hands its snapshot
 *  over, not a copy of it). */
function sent(c: PureChan<any>, k: Case): unknown {
  const p = Case.pOf(k);
  return c.codec === undefined ? p : c.codec.snap(p);
}

/** The channel of a non-nil case. */
function chanOf(k: Case): PureChan<any> {
  return Case.chOf(k) as PureChan<any>;
}

// ---- the poll order's random source: xorshift32, exactly as the Wasm core's

const rng: Rng = { x: (Math.random() * 0x1_0000_0000) >>> 0 || 0x9e3779b9 };

/** Seeds the poll-order random source (0 picks a fixed non-zero seed), as the Wasm core's selectseed. */
export function selectseed(seed: number): void {
  const s = seed >>> 0;
  rng.x = s !== 0 ? s : 0x9e3779b9;
}

// ---- selectgo

/** Scratch for the poll and lock orders (selectgo never re-enters itself). */
let pollorder = new Int32Array(16);
let lockorder = new Int32Array(16);
let pollpos = new Int32Array(16);

/** Orders case `a` before case `b`: by channel, then by position in the poll order (as the Wasm core
 *  does with channel addresses), so duplicates of one channel are queued in poll order: random as in Go,
 *  and the same as the Wasm core's for the same seed. */
function caseLess(cases: readonly Case[], a: number, b: number): boolean {
  const ca = chanOf(cases[a]).id, cb = chanOf(cases[b]).id;
  return ca < cb || (ca === cb && pollpos[a] < pollpos[b]);
}

/** Sorts the case indices in `order[0..n)` by (channel id, poll position): the same heap sort as the
 *  Wasm core's. Only the order of duplicates of one channel is observable (a queue each). */
function sortByChannel(cases: readonly Case[], order: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const x = order[i];
    let j = i;
    while (j > 0) {
      const parent = (j - 1) >> 1;
      const p = order[parent];
      if (!caseLess(cases, p, x)) break;
      order[j] = p;
      j = parent;
    }
    order[j] = x;
  }
  for (let i = n; i > 1; ) {
    i--;
    const x = order[i];
    order[i] = order[0];
    let j = 0;
    for (;;) {
      let k = 2 * j + 1;
      if (k >= i) break;
      if (k + 1 < i && caseLess(cases, order[k], order[k + 1])) k++;
      if (!caseLess(cases, x, order[k])) break;
      order[j] = order[k];
      j = k;
    }
    order[j] = x;
  }
}

/**
 * Go's selectgo over `cases` (null channels are nil cases: never ready; at least one is not); a
 * send case stores `Case.pOf(k)`, its value as its channel's check() returned it.
 * Among the ready cases one is chosen uniformly at random; its index goes to out.index and the
 * result is, as for chansend/chanrecv: R_DONE (buffer; a received value at out.value), R_HANDOFF
 * (parked partner settled; a received value at out.value), R_CLOSED (a send case on a closed
 * channel: panic; a recv case: zero value, ok = false). When none is ready: R_BLOCK if `!block`,
 * else the select parks: one sudog per non-nil case is queued and the g is at out.sg: R_PARKED.
 */
function selectgo1(cases: readonly Case[], block: boolean): number {
  const ncases = cases.length;
  if (pollorder.length < ncases) {
    pollorder = new Int32Array(ncases * 2);
    lockorder = new Int32Array(ncases * 2);
    pollpos = new Int32Array(ncases * 2);
  }
  const poll = pollorder;

  // Poll order: a uniformly random permutation of the non-nil cases (inside-out Fisher–Yates).
  const norder = pollOrder(cases, poll, rng, Case.chOf);

  // Pass 1: the first ready case in poll order.
  for (let i = 0; i < norder; i++) {
    const casi = poll[i];
    const k = cases[casi];
    const c = chanOf(k);
    let r = -1;
    if (Case.dirOf(k) === DIR_SEND) {
      if (c.closed) {
        r = R_CLOSED;
      } else {
        const sg = dequeue(c.recvq);
        if (sg !== null) {
          sendTo(sg, sent(c, k));
          r = R_HANDOFF;
        } else if (c.qcount < c.dataqsiz) {
          bufsend(c, sent(c, k));
          r = R_DONE;
        }
      }
    } else {
      const sg = dequeue(c.sendq);
      if (sg !== null) {
        out.value = recvFrom(c, sg);
        r = R_HANDOFF;
      } else if (c.qcount > 0) {
        out.value = bufrecv(c);
        r = R_DONE;
      } else if (c.closed) {
        r = R_CLOSED;
      }
    }
    if (r >= 0) {
      out.index = casi;
      return r;
    }
  }
  if (!block) return R_BLOCK;

  // Pass 2: enqueue one sudog per case, in lock order, all sharing the first one's g.
  const lock = lockorder;
  for (let i = 0; i < norder; i++) {
    lock[i] = poll[i];
    pollpos[poll[i]] = i;
  }
  sortByChannel(cases, lock, norder);
  let g: SelectSudog | null = null;
  let last: SelectSudog | null = null;
  for (let i = 0; i < norder; i++) {
    const casi = lock[i];
    const k = cases[casi];
    const c = chanOf(k);
    const isSend = Case.dirOf(k) === DIR_SEND;
    const sg = new SelectSudog(c, isSend ? F_SEND : 0, isSend ? sent(c, k) : undefined, casi);
    if (g === null) g = sg;
    else {
      sg.g = g;
      last!.link = sg;
    }
    last = sg;
    enqueue(isSend ? c.sendq : c.recvq, sg);
  }
  out.sg = g;
  return R_PARKED;
}

/** Pass 3, run by goready on a parked select's g (READY, its winner at g.param): unlinks every
 *  case still queued (O(1) each) and settles the select's Promise with the winner's outcome. */
export function selectdone(g: SelectSudog): void {
  for (let sg: SelectSudog | null = g; sg !== null; sg = sg.link) unlink(queueOf(sg), sg);
  const winner = g.param!;
  const index = winner.casei;
  const ok = (winner.flags & F_SUCCESS) !== 0;
  if ((winner.flags & F_SEND) === 0) {
    g.resolve({ index, value: received(winner.c, winner), ok });
  } else if (ok) {
    g.resolve({ index, value: undefined, ok: true });
  } else {
    g.reject!(sendOnClosed());
  }
}

// ---- select

/** Runs a select for the API's select() (src/api/select.ts), which checked the cases: at least one
 *  live channel, all of this core, and `signal` not aborted. */
export function selectgo(cases: readonly Case[], dflt: boolean, signal: AbortSignal | undefined): Promise<SelectResult<any>> {
  const r = selectgo1(cases, !dflt);
  if (r === R_PARKED) {
    const g = out.sg!;
    out.sg = null;
    return gopark(g, K_SELECT, signal);
  }
  if (r === R_BLOCK) return defaulted();
  const index = out.index;
  const k = cases[index];
  if (Case.dirOf(k) === DIR_SEND) {
    if (r === R_CLOSED) return Promise.reject(sendOnClosed());
    return Promise.resolve({ index, value: undefined, ok: true });
  }
  const ch = chanOf(k);
  let value: unknown;
  if (r === R_CLOSED) {
    value = ch.zero();
  } else {
    value = ch.unpack(out.value);
    out.value = undefined;
  }
  return Promise.resolve({ index, value, ok: r !== R_CLOSED });
}
