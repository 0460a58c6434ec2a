// The reference model: Go's channel semantics (runtime/chan.go, runtime/select.go) written down as
// plain data, plus the API contract's additions (codec errors, dispose, AbortSignal, batches), for
// one thread issuing one call at a time. Values are tokens (indices into the runner's value table);
// the zero value of channel c is the token ZERO(c).
//
// What happens in one call, the model does in the same order: a parked op completed by the call is
// settled at once (its Promise reactions run later, in that order); a sendMany or recvMany woken by
// the call continues one microtask later (after the other reactions queued before it), exactly as
// `await`/`.then` on the parked op's Promise does: the model runs those continuations from a FIFO
// job queue after the call. It also records the order in which the Promises of plain ops (send,
// recv, recvOk, select) settle: reactions run in that order.
//
// Where Go leaves a choice — which ready case a select takes, and which of a parked select's cases
// on one queue is first — the model calls `choose(n)`; `explore` runs a call once for every choice,
// giving the set of states the implementation may be in. The runner keeps those that match what it
// observed.

export type Tok = number;
export const ZERO = (ch: number): Tok => -1 - ch;

export const SOC = "ChannelError(send on closed channel)";
export const COC = "ChannelError(close of closed channel)";
export const UOD = "ChannelError(use of disposed channel)";
export const reason = (sig: number): string => `reason(abort s${sig})`;

export type Res =
  | { k: "ok" } //                                      send, sendMany, sendSync(Many) done
  | { k: "val"; t: Tok } //                             recv, recvSync
  | { k: "vok"; t: Tok; ok: boolean } //                recvOk, tryRecv, recvSyncOk
  | { k: "sel"; i: number; t: Tok | null; ok: boolean } // select (t null: a send case or default)
  | { k: "many"; ts: Tok[] } //                         recvMany, recvManySync
  | { k: "bool"; b: boolean } //                        trySend
  | { k: "none" } //                                    tryRecv that would block; close, dispose, abort
  | { k: "err"; e: string }; //                         a rejection or a throw

/** What a call did at once. */
export type Imm =
  | { k: "throw"; e: string }
  | { k: "ret"; r: Res }
  | { k: "promise"; op: number }
  | { k: "skip" } //       a blocking form not available on this core (not called)
  | { k: "wouldBlock" }; // a blocking form that would block this thread (not called)

export type Dir = "send" | "recv";
export interface MCase { dir: Dir; ch: number | null; t: Tok }

/** A call, with its channel indices resolved and its values as tokens. sig: an AbortSignal index, or null. */
export type MCmd =
  | { k: "send"; ch: number; t: Tok; sig: number | null }
  | { k: "recv"; ch: number; ok: boolean; sig: number | null }
  | { k: "trySend"; ch: number; t: Tok }
  | { k: "tryRecv"; ch: number }
  | { k: "sendMany"; ch: number; ts: Tok[]; sig: number | null }
  | { k: "recvMany"; ch: number; max: number; sig: number | null }
  | { k: "sendSync"; ch: number; t: Tok }
  | { k: "recvSync"; ch: number; ok: boolean }
  | { k: "sendManySync"; ch: number; ts: Tok[] }
  | { k: "recvManySync"; ch: number; max: number }
  | { k: "close"; ch: number }
  | { k: "dispose"; ch: number }
  | { k: "select"; cases: MCase[]; dflt: boolean; sig: number | null }
  | { k: "abort"; sig: number };

/** How a core offers the blocking forms: not at all (pure), on local channels only to refuse them
 *  (TypeError), or for real (a SharedHeap channel on a thread that may block). */
export type SyncMode = "absent" | "local" | "real";

type OpKind = "send" | "recv" | "recvOk" | "select" | "sendMany" | "recvMany";
const PLAIN = new Set<OpKind>(["send", "recv", "recvOk", "select"]);

export interface OpRec {
  id: number;
  kind: OpKind;
  ch: number;
  sig: number | null;
  done: boolean;
  res: Res | null;
  /** Queued on some channel, or (a select with no channel) listening to its signal. */
  parked: boolean;
  /** When it last parked: the order of its abort listener. */
  seq: number;
  /** send: [value]; sendMany: its values, `next` the one parked or to send next. */
  toks: Tok[];
  next: number;
  /** recvMany */
  max: number;
  got: Tok[];
  cases: MCase[];
}

/** A queued op; a select's cases on one queue form one entry (they were queued together, in an order
 *  the model does not fix: the dequeue chooses among them). */
interface Entry { op: number; cs: number[] }

interface ChS {
  cap: number;
  buf: Tok[];
  closed: boolean;
  disposed: boolean;
  recvq: Entry[];
  sendq: Entry[];
}

export class Model {
  chans: ChS[];
  ops: OpRec[] = [];
  aborted: boolean[];
  seq = 0;
  /** Continuations (sendMany/recvMany op ids) due in the microtask queue. */
  private jobs: number[] = [];
  /** Plain ops in the order their Promises settled during the last call. */
  log: number[] = [];
  /** The op the last call created: its own settlement is observed after the call returns. */
  private own = -1;
  choose: (n: number) => number = () => 0;

  constructor(caps: number[], nsig: number, readonly tokErr: (string | undefined)[], readonly sync: SyncMode) {
    this.chans = caps.map((cap) => ({ cap, buf: [], closed: false, disposed: false, recvq: [], sendq: [] }));
    this.aborted = new Array(nsig).fill(false);
  }

  clone(): Model {
    const m = Object.create(Model.prototype) as Model;
    Object.assign(m, this);
    m.chans = this.chans.map((c) => ({
      ...c, buf: c.buf.slice(),
      recvq: c.recvq.map((e) => ({ op: e.op, cs: e.cs })), sendq: c.sendq.map((e) => ({ op: e.op, cs: e.cs })),
    }));
    m.ops = this.ops.map((o) => ({ ...o, got: o.got.slice() }));
    m.aborted = this.aborted.slice();
    m.jobs = [];
    m.log = [];
    return m;
  }

  // ---- queues

  private park(op: OpRec, entries: [ch: number, dir: Dir, cs: number[]][]): void {
    op.parked = true;
    op.seq = ++this.seq;
    for (const [ch, dir, cs] of entries) (dir === "send" ? this.chans[ch].sendq : this.chans[ch].recvq).push({ op: op.id, cs });
  }

  /** Takes op out of every queue (a select's other cases die with it: Go's pass 3, done at once). */
  private unpark(op: OpRec): void {
    if (!op.parked) return;
    op.parked = false;
    for (const c of this.chans) {
      c.recvq = c.recvq.filter((e) => e.op !== op.id);
      c.sendq = c.sendq.filter((e) => e.op !== op.id);
    }
  }

  private dequeue(q: Entry[]): { op: OpRec; ci: number } | null {
    const e = q.shift();
    if (e === undefined) return null;
    const op = this.ops[e.op];
    const ci = e.cs.length === 0 ? -1 : e.cs.length === 1 ? e.cs[0] : e.cs[this.choose(e.cs.length)];
    this.unpark(op);
    return { op, ci };
  }

  private settle(op: OpRec, res: Res): void {
    op.done = true;
    op.res = res;
    op.parked = false;
    if (PLAIN.has(op.kind) && op.id !== this.own) this.log.push(op.id);
  }

  /** The value a parked sender offers. */
  private offered(op: OpRec, ci: number): Tok {
    return op.kind === "select" ? op.cases[ci].t : op.toks[op.next];
  }

  private wakeSender(op: OpRec, ci: number, success: boolean): void {
    if (op.kind === "sendMany") {
      if (!success) return this.settle(op, { k: "err", e: SOC });
      op.next++;
      this.jobs.push(op.id);
      return;
    }
    if (!success) return this.settle(op, { k: "err", e: SOC });
    this.settle(op, op.kind === "select" ? { k: "sel", i: ci, t: null, ok: true } : { k: "ok" });
  }

  /** t null: woken by close. */
  private wakeReceiver(op: OpRec, ci: number, t: Tok | null): void {
    const ok = t !== null;
    const v = t ?? ZERO(op.kind === "select" ? op.cases[ci].ch! : op.ch);
    switch (op.kind) {
      case "recv": return this.settle(op, { k: "val", t: v });
      case "recvOk": return this.settle(op, { k: "vok", t: v, ok });
      case "select": return this.settle(op, { k: "sel", i: ci, t: v, ok });
      case "recvMany":
        if (!ok) return this.settle(op, { k: "many", ts: op.got });
        op.got.push(v);
        this.jobs.push(op.id);
        return;
      default: throw new Error(`model: ${op.kind} in a recvq`);
    }
  }

  // ---- Go's chansend / chanrecv / closechan, non-blocking: the caller parks on "block"

  private sendOn(c: number, t: Tok): "closed" | "sent" | "block" {
    const ch = this.chans[c];
    if (ch.closed) return "closed";
    const w = this.dequeue(ch.recvq);
    if (w !== null) {
      this.wakeReceiver(w.op, w.ci, t);
      return "sent";
    }
    if (ch.buf.length < ch.cap) {
      ch.buf.push(t);
      return "sent";
    }
    return "block";
  }

  private recvOn(c: number): { r: "closed" } | { r: "got"; t: Tok } | { r: "block" } {
    const ch = this.chans[c];
    if (ch.closed && ch.buf.length === 0) return { r: "closed" };
    const w = this.dequeue(ch.sendq);
    if (w !== null) {
      // Buffered (so full): take the head, the sender's value goes to the tail.
      let t = this.offered(w.op, w.ci);
      if (ch.cap > 0) {
        ch.buf.push(t);
        t = ch.buf.shift()!;
      }
      this.wakeSender(w.op, w.ci, true);
      return { r: "got", t };
    }
    if (ch.buf.length > 0) return { r: "got", t: ch.buf.shift()! };
    return { r: "block" };
  }

  private closeCh(c: number): void {
    const ch = this.chans[c];
    ch.closed = true;
    for (let w = this.dequeue(ch.recvq); w !== null; w = this.dequeue(ch.recvq)) this.wakeReceiver(w.op, w.ci, null);
    for (let w = this.dequeue(ch.sendq); w !== null; w = this.dequeue(ch.sendq)) this.wakeSender(w.op, w.ci, false);
  }

  // ---- batches

  /** Sends op.toks[op.next...] without blocking; parks on the first that would block. */
  private sendRest(op: OpRec): void {
    while (op.next < op.toks.length) {
      if (this.chans[op.ch].disposed) return this.settle(op, { k: "err", e: UOD });
      const r = this.sendOn(op.ch, op.toks[op.next]);
      if (r === "closed") return this.settle(op, { k: "err", e: SOC });
      if (r === "block") return this.park(op, [[op.ch, "send", []]]);
      op.next++;
    }
    this.settle(op, { k: "ok" });
  }

  /** Receives without blocking up to op.max; true if it stopped at a closed, drained channel. */
  private takeAvailable(op: OpRec): boolean {
    while (op.got.length < op.max) {
      const r = this.recvOn(op.ch);
      if (r.r === "closed") return true;
      if (r.r === "block") return false;
      op.got.push(r.t);
    }
    return false;
  }

  private runJobs(): void {
    for (let id = this.jobs.shift(); id !== undefined; id = this.jobs.shift()) {
      const op = this.ops[id];
      if (op.kind === "sendMany") {
        this.sendRest(op);
      } else {
        if (!this.chans[op.ch].disposed) this.takeAvailable(op);
        this.settle(op, { k: "many", ts: op.got });
      }
    }
  }

  private newOp(kind: OpKind, ch: number, sig: number | null): OpRec {
    const op: OpRec = {
      id: this.ops.length, kind, ch, sig, done: false, res: null, parked: false, seq: 0,
      toks: [], next: 0, max: 0, got: [], cases: [],
    };
    this.ops.push(op);
    this.own = op.id;
    return op;
  }

  private firstBad(ts: Tok[]): string | undefined {
    for (const t of ts) if (this.tokErr[t] !== undefined) return this.tokErr[t];
    return undefined;
  }

  // ---- one call

  apply(cmd: MCmd): Imm {
    this.own = -1;
    this.log = [];
    const imm = this.call(cmd);
    // The call has returned: its own Promise's reaction comes after those of the ops it completed,
    // then the continuations run (in the order they were woken), settling more.
    if (imm.k === "promise" && this.ops[imm.op].done && PLAIN.has(this.ops[imm.op].kind)) this.log.push(imm.op);
    this.own = -1;
    this.runJobs();
    return imm;
  }

  private call(cmd: MCmd): Imm {
    const thr = (e: string): Imm => ({ k: "throw", e });
    const ret = (r: Res): Imm => ({ k: "ret", r });
    const aborted = (sig: number | null) => sig !== null && this.aborted[sig];
    const ab = (op: OpRec): Imm => (this.settle(op, { k: "err", e: reason(op.sig!) }), { k: "promise", op: op.id });
    switch (cmd.k) {
      case "send": {
        if (this.chans[cmd.ch].disposed) return thr(UOD);
        if (this.tokErr[cmd.t] !== undefined) return thr(this.tokErr[cmd.t]!);
        const op = this.newOp("send", cmd.ch, cmd.sig);
        op.toks = [cmd.t];
        if (aborted(cmd.sig)) return ab(op);
        const r = this.sendOn(cmd.ch, cmd.t);
        if (r === "closed") this.settle(op, { k: "err", e: SOC });
        else if (r === "sent") this.settle(op, { k: "ok" });
        else this.park(op, [[cmd.ch, "send", []]]);
        return { k: "promise", op: op.id };
      }
      case "recv": {
        if (this.chans[cmd.ch].disposed) return thr(UOD);
        const op = this.newOp(cmd.ok ? "recvOk" : "recv", cmd.ch, cmd.sig);
        if (aborted(cmd.sig)) return ab(op);
        const r = this.recvOn(cmd.ch);
        if (r.r === "block") this.park(op, [[cmd.ch, "recv", []]]);
        else this.wakeReceiver(op, -1, r.r === "got" ? r.t : null);
        return { k: "promise", op: op.id };
      }
      case "trySend": {
        if (this.chans[cmd.ch].disposed) return thr(UOD);
        if (this.tokErr[cmd.t] !== undefined) return thr(this.tokErr[cmd.t]!);
        const r = this.sendOn(cmd.ch, cmd.t);
        return r === "closed" ? thr(SOC) : ret({ k: "bool", b: r === "sent" });
      }
      case "tryRecv": {
        if (this.chans[cmd.ch].disposed) return thr(UOD);
        const r = this.recvOn(cmd.ch);
        if (r.r === "block") return ret({ k: "none" });
        return ret(r.r === "got" ? { k: "vok", t: r.t, ok: true } : { k: "vok", t: ZERO(cmd.ch), ok: false });
      }
      case "sendMany": {
        if (this.chans[cmd.ch].disposed) return thr(UOD);
        const e = this.firstBad(cmd.ts);
        if (e !== undefined) return thr(e);
        const op = this.newOp("sendMany", cmd.ch, cmd.sig);
        op.toks = cmd.ts;
        if (aborted(cmd.sig)) return ab(op);
        this.sendRest(op);
        return { k: "promise", op: op.id };
      }
      case "recvMany": {
        if (this.chans[cmd.ch].disposed) return thr(UOD);
        if (!(Number.isInteger(cmd.max) && cmd.max >= 1)) return thr("RangeError");
        const op = this.newOp("recvMany", cmd.ch, cmd.sig);
        op.max = cmd.max;
        if (aborted(cmd.sig)) return ab(op);
        const closed = this.takeAvailable(op);
        if (op.got.length > 0 || closed) this.settle(op, { k: "many", ts: op.got });
        else this.park(op, [[cmd.ch, "recv", []]]);
        return { k: "promise", op: op.id };
      }
      case "sendSync": case "recvSync": case "sendManySync": case "recvManySync": {
        if (this.sync === "absent") return { k: "skip" };
        if (this.chans[cmd.ch].disposed) return thr(UOD);
        if (this.sync === "local") return thr("TypeError");
        return this.blocking(cmd);
      }
      case "close": {
        const ch = this.chans[cmd.ch];
        if (ch.disposed) return thr(UOD);
        if (ch.closed) return thr(COC);
        this.closeCh(cmd.ch);
        return ret({ k: "none" });
      }
      case "dispose": {
        const ch = this.chans[cmd.ch];
        if (!ch.disposed) {
          if (!ch.closed) this.closeCh(cmd.ch);
          ch.disposed = true;
          ch.buf = [];
        }
        return ret({ k: "none" });
      }
      case "abort": {
        if (this.aborted[cmd.sig]) return ret({ k: "none" });
        this.aborted[cmd.sig] = true;
        // Abort listeners run in the order they were added: when each op (last) parked.
        const victims = this.ops.filter((o) => !o.done && o.parked && o.sig === cmd.sig).sort((a, b) => a.seq - b.seq);
        for (const o of victims) {
          this.unpark(o);
          this.settle(o, { k: "err", e: reason(cmd.sig) });
        }
        return ret({ k: "none" });
      }
      case "select": return this.select(cmd);
    }
  }

  private select(cmd: Extract<MCmd, { k: "select" }>): Imm {
    const cases = cmd.cases;
    // send(ch, v) checks v when the case is built; select then refuses disposed channels.
    for (const c of cases) if (c.dir === "send" && c.ch !== null && this.tokErr[c.t] !== undefined) return { k: "throw", e: this.tokErr[c.t]! };
    for (const c of cases) if (c.ch !== null && this.chans[c.ch].disposed) return { k: "throw", e: UOD };
    const op = this.newOp("select", -1, cmd.sig);
    op.cases = cases;
    const imm: Imm = { k: "promise", op: op.id };
    const aborted = cmd.sig !== null && this.aborted[cmd.sig];
    if (aborted) return this.settle(op, { k: "err", e: reason(cmd.sig!) }), imm;
    if (cases.every((c) => c.ch === null)) {
      // Go's select {}: blocks forever, unless default or the signal aborts.
      if (cmd.dflt) this.settle(op, { k: "sel", i: -1, t: null, ok: false });
      else if (cmd.sig !== null) this.park(op, []);
      return imm;
    }
    const ready: number[] = [];
    cases.forEach((c, i) => {
      if (c.ch === null) return;
      const ch = this.chans[c.ch];
      if (c.dir === "send" ? ch.closed || ch.recvq.length > 0 || ch.buf.length < ch.cap
        : ch.sendq.length > 0 || ch.buf.length > 0 || ch.closed) ready.push(i);
    });
    if (ready.length > 0) {
      const i = ready[ready.length === 1 ? 0 : this.choose(ready.length)];
      const c = cases[i];
      if (c.dir === "send") {
        const r = this.sendOn(c.ch!, c.t);
        this.settle(op, r === "closed" ? { k: "err", e: SOC } : { k: "sel", i, t: null, ok: true });
      } else {
        const r = this.recvOn(c.ch!);
        if (r.r === "block") throw new Error("model: a ready receive case blocked");
        this.settle(op, r.r === "got" ? { k: "sel", i, t: r.t, ok: true } : { k: "sel", i, t: ZERO(c.ch!), ok: false });
      }
      return imm;
    }
    if (cmd.dflt) return this.settle(op, { k: "sel", i: -1, t: null, ok: false }), imm;
    const groups = new Map<string, [number, Dir, number[]]>();
    cases.forEach((c, i) => {
      if (c.ch === null) return;
      const key = `${c.ch}${c.dir}`;
      if (!groups.has(key)) groups.set(key, [c.ch, c.dir, []]);
      groups.get(key)![2].push(i);
    });
    this.park(op, [...groups.values()]);
    return imm;
  }

  /** The blocking forms on a shared channel: what they do when they need not block. */
  private blocking(cmd: Extract<MCmd, { k: "sendSync" | "recvSync" | "sendManySync" | "recvManySync" }>): Imm {
    const thr = (e: string): Imm => ({ k: "throw", e });
    const ret = (r: Res): Imm => ({ k: "ret", r });
    switch (cmd.k) {
      case "sendSync": {
        if (this.tokErr[cmd.t] !== undefined) return thr(this.tokErr[cmd.t]!);
        const r = this.sendOn(cmd.ch, cmd.t);
        return r === "closed" ? thr(SOC) : r === "sent" ? ret({ k: "ok" }) : { k: "wouldBlock" };
      }
      case "recvSync": {
        const r = this.recvOn(cmd.ch);
        if (r.r === "block") return { k: "wouldBlock" };
        const t = r.r === "got" ? r.t : ZERO(cmd.ch);
        return ret(cmd.ok ? { k: "vok", t, ok: r.r === "got" } : { k: "val", t });
      }
      case "sendManySync": {
        const e = this.firstBad(cmd.ts);
        if (e !== undefined) return thr(e);
        for (const t of cmd.ts) {
          const r = this.sendOn(cmd.ch, t);
          if (r === "closed") return thr(SOC);
          if (r === "block") return { k: "wouldBlock" };
        }
        return ret({ k: "ok" });
      }
      case "recvManySync": {
        if (!(Number.isInteger(cmd.max) && cmd.max >= 1)) return thr("RangeError");
        const op = { max: cmd.max, got: [] as Tok[], ch: cmd.ch } as unknown as OpRec;
        const closed = this.takeAvailable(op);
        return op.got.length > 0 || closed ? ret({ k: "many", ts: op.got }) : { k: "wouldBlock" };
      }
    }
  }

  // ---- what can be observed

  /** Queued sudogs (a select's case each), as stats() counts them: [senders, receivers]. */
  parkedCounts(): [number, number] {
    let s = 0;
    let r = 0;
    for (const c of this.chans) {
      for (const e of c.sendq) s += Math.max(1, e.cs.length);
      for (const e of c.recvq) r += Math.max(1, e.cs.length);
    }
    return [s, r];
  }

  /** Everything that decides what the model does next (for dropping duplicate candidate states). */
  key(): string {
    return JSON.stringify([this.chans, this.aborted, this.ops.map((o) => [o.done, o.res, o.parked, o.seq, o.next, o.got])]);
  }

  len(c: number): number {
    return this.chans[c].disposed ? 0 : this.chans[c].buf.length;
  }
}

/** Runs `cmd` on each state once per possible choice; each resulting state carries the call's Imm. */
export function explore(states: Model[], cmd: MCmd): { m: Model; imm: Imm }[] {
  const out: { m: Model; imm: Imm }[] = [];
  for (const s0 of states) {
    const todo: number[][] = [[]];
    for (let prefix = todo.pop(); prefix !== undefined; prefix = todo.pop()) {
      const m = s0.clone();
      const path = prefix;
      let d = 0;
      m.choose = (n) => {
        if (d < path.length) return path[d++];
        for (let i = 1; i < n; i++) todo.push([...path, i]);
        path.push(0);
        d++;
        return 0;
      };
      const imm = m.apply(cmd);
      m.choose = () => 0;
      out.push({ m, imm });
      if (out.length > 256) throw new Error("model: too many possible states");
    }
  }
  return out;
}
