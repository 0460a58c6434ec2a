// select: Go's select statement — its cases and its checks, written once; the core of the cases'
// channels runs it (Chan.selectgo: src/pure/select.ts, src/wasm/select.ts).
import { Chan, checkFor, liveOf, selectOn, selectable } from "./chan.js";
import { blockForever } from "./promises.js";
import { later, preempting } from "./preempt.js";
import { abortReason, isAborted, signalOf } from "./errors.js";
import { DIR_RECV, DIR_SEND } from "../abi/layout.js";

/** A receive case, built by `recv(ch)`. */
export interface RecvCase<T = unknown> {
  /** The direction: a receive. */
  readonly dir: typeof DIR_RECV;
  /** The channel (null: a nil case, never ready). */
  readonly ch: Chan<T> | null;
}

/** A send case, built by `send(ch, v)`. */
export interface SendCase<T = unknown> {
  /** The direction: a send. */
  readonly dir: typeof DIR_SEND;
  /** The channel (null: a nil case, never ready). */
  readonly ch: Chan<T> | null;
  /** The value to send. */
  readonly value: T;
}

/** A case of `select`: `recv(ch)` or `send(ch, v)`. */
export type SelectCase = RecvCase<any> | SendCase<any>;

/** What `select` resolves to: the case that ran (-1 for default), and for a receive what `recvOk` gives. */
export interface SelectResult<T = unknown> {
  /** The index of the case that ran in the array given to select; -1 for default. */
  index: number;
  /** The value received (the zero value if the channel was closed); undefined for a send or default. */
  value: T;
  /** For a receive, false if the channel was closed and drained (as Go's `v, ok := <-ch`); true for a send. */
  ok: boolean;
}

/** What a select over `Cases` resolves to when case `I` ran: for a receive, its channel's value and
 *  `ok` as `recvOk` gives them; for a send, no value and `ok: true`. */
export type CaseResult<Case, I extends number> =
  Case extends SendCase<any> ? {
    /** The case that ran. */
    index: I;
    /** A send case has no value. */
    value: undefined;
    /** A send case that ran always succeeded. */
    ok: true;
  }
  : Case extends RecvCase<infer T> ? {
    /** The case that ran. */
    index: I;
    /** The value received (the zero value once the channel is closed and drained). */
    value: T;
    /** False once the channel is closed and drained. */
    ok: boolean;
  }
  : never;

/** What a select that took `default` resolves to. */
export interface DefaultResult {
  /** -1: no case was ready. */
  index: -1;
  /** No value. */
  value: undefined;
  /** Always false. */
  ok: false;
}

/** What `select(cases)` resolves to: a union with one member per case, told apart by `index`, so
 *  `if (r.index === 0) r.value` has the type of case 0's channel. For a plain (non-tuple) array of
 *  cases, the union of its cases' results with `index: number`. */
export type SelectResultOf<Cases extends readonly SelectCase[]> = {
  [K in keyof Cases]: CaseResult<Cases[K], K extends `${infer I extends number}` ? I : number>;
}[number];

/** Options of `select`. */
export interface SelectOptions {
  /** Rejects the select with the signal's reason once it aborts (no case runs then). */
  signal?: AbortSignal;
  /** Go's `default:` — resolve with index -1 at once when no case is ready. */
  default?: boolean;
}

/** Every case is one of these (one shape, so the cores' loops stay monomorphic). Only `recv` and `send`
 *  make them. What a case is lives in private fields, which no caller can change or fake: select and
 *  the cores read them through `Case.chOf` and friends, never through the public properties (a caller
 *  may shadow those), and `is` refuses a Proxy of a case or an object inheriting from one. So no core is
 *  ever handed a channel select did not check. */
export class Case {
  readonly #dir: typeof DIR_RECV | typeof DIR_SEND;
  readonly #ch: Chan<any> | null;
  readonly #value: unknown;
  /** `ch.check(value)`, taken when the case was built: what a core stores, with no user code (a
   *  getter, a toJSON) left to run. */
  readonly #p: unknown;

  constructor(dir: typeof DIR_RECV | typeof DIR_SEND, ch: Chan<any> | null, value: unknown, p: unknown) {
    this.#dir = dir;
    this.#ch = ch;
    this.#value = value;
    this.#p = p;
  }

  get dir(): typeof DIR_RECV | typeof DIR_SEND {
    return this.#dir;
  }

  get ch(): Chan<any> | null {
    return this.#ch;
  }

  get value(): unknown {
    return this.#value;
  }

  /** Whether `k` is a case made by recv/send. */
  static is(k: unknown): k is Case {
    return typeof k === "object" && k !== null && #ch in k;
  }

  /** The case's channel (null: a nil case), direction and checked value, as built. */
  static chOf(k: Case): Chan<any> | null {
    return k.#ch;
  }

  static dirOf(k: Case): typeof DIR_RECV | typeof DIR_SEND {
    return k.#dir;
  }

  static pOf(k: Case): unknown {
    return k.#p;
  }
}

function channelOf(ch: unknown, what: string): Chan<any> | null {
  if (ch === null || ch === undefined) return null;
  if (!(ch instanceof Chan)) throw new TypeError(`wasmchan: ${what}(ch): ch must be a channel, null or undefined`);
  return ch;
}

/** A receive case for `select`; a null/undefined channel is a nil case, never ready. */
export function recv<T>(ch: Chan<T> | null | undefined): RecvCase<T> {
  return new Case(DIR_RECV, channelOf(ch, "recv"), undefined, undefined) as RecvCase<T>;
}

/** A send case for `select`. Throws TypeError/RangeError now if `v` does not fit the channel's codec. */
export function send<T>(ch: Chan<T> | null | undefined, v: T): SendCase<T> {
  const c = channelOf(ch, "send");
  return new Case(DIR_SEND, c, v, c === null ? undefined : checkFor(c, v)) as SendCase<T>;
}

/** What a select that took `default` resolves to. */
export function defaulted(): Promise<DefaultResult> {
  return Promise.resolve({ index: -1, value: undefined, ok: false });
}

/**
 * Go's `select`: waits until one of `cases` can run, runs exactly that one, and resolves with its
 * index. Among ready cases one is chosen uniformly at random. With `{ default: true }` it resolves
 * with index -1 at once if none is ready. A send case on a closed channel rejects with
 * ChannelError("send on closed channel"). All channels must belong to the same core and heap.
 */
export function select<const Cases extends readonly SelectCase[]>(list: Cases, opts: SelectOptions & { default: true }): Promise<SelectResultOf<Cases> | DefaultResult>;
export function select<const Cases extends readonly SelectCase[]>(list: Cases, opts?: SelectOptions & { default?: false }): Promise<SelectResultOf<Cases>>;
export function select<const Cases extends readonly SelectCase[]>(list: Cases, opts?: SelectOptions): Promise<SelectResultOf<Cases> | DefaultResult>;
export function select(list: readonly SelectCase[], opts?: SelectOptions): Promise<SelectResult<any>> {
  return preempting() ? later(selectp(list, opts)) : selectp(list, opts);
}

function selectp(list: readonly SelectCase[], opts: SelectOptions | undefined): Promise<SelectResult<any>> {
  // What the caller gave is read once, before any channel is touched: the array (its length and each
  // element, which getters or a Proxy could change from read to read) and the options.
  if (!Array.isArray(list)) throw new TypeError("wasmchan: select(cases): cases must be an array");
  const n = list.length;
  const cases = new Array<Case>(n);
  for (let i = 0; i < n; i++) cases[i] = list[i] as Case;
  const signal = signalOf(opts);
  const dflt = opts?.default === true;
  let first: Chan<any> | null = null;
  for (let i = 0; i < n; i++) {
    const k = cases[i];
    if (!Case.is(k)) {
      throw new TypeError(`wasmchan: select case ${i} is not a case: build cases with recv(ch) or send(ch, v)`);
    }
    const ch = Case.chOf(k);
    if (ch === null) continue;
    liveOf(ch);
    if (first === null) first = ch;
    else if (!selectable(first, ch)) {
      throw new TypeError("wasmchan: select cases must all use channels of the same heap (one core, one SharedHeap); to wait for a channel and a time limit, pass { signal: AbortSignal.timeout(ms) }");
    }
  }
  if (signal !== undefined && isAborted(signal)) return Promise.reject(abortReason(signal));
  if (first === null) {
    // No channel at all: Go's select {} blocks forever; with default it takes the default.
    return dflt ? defaulted() : blockForever(signal);
  }
  return selectOn(first, cases, dflt, signal);
}
