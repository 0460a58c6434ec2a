// Runs a program (program.ts) on one core and one kind of memory, call by call, and after each call
// — once every microtask it set off has run — compares everything observable with the reference
// model (ref.ts): what the call returned or threw; for every op called so far whether its Promise is
// pending, fulfilled (with exactly which values, in order) or rejected (with which error); the order
// in which the plain ops' Promises settled during the call; each channel's len and cap; and the
// heap's parked counts. The first difference fails the program with a listing and a diff.
import type { SharedHeap } from "wasmchan";
import type { Lib } from "../cores";
import { macrotask } from "../util";
import { type Cmd, NSIG, type Program, type Sig, showProgram, teardown, viewLength } from "./program";
import { type Imm, type MCmd, Model, type Res, type SyncMode, type Tok, explore } from "./ref";
import { type Made, SHARED_UNTYPED, type ValSpec, batchArray, fmt, kinds } from "./values";

export interface Config {
  name: string;
  lib: Lib;
  /** Channels of this SharedHeap (Wasm core), else local ones. */
  heap?: SharedHeap;
  sync: SyncMode;
}

/** What the result of each call looks like: how its value is printed. */
type Shape = "ok" | "val" | "vok" | "sel" | "many" | "bool" | "none";
const PLAIN = new Set(["send", "recv", "select"]);

function shapeOf(c: MCmd): Shape {
  switch (c.k) {
    case "send": case "sendMany": case "sendSync": case "sendManySync": return "ok";
    case "recv": case "recvSync": return c.ok ? "vok" : "val";
    case "tryRecv": return "vok";
    case "recvMany": case "recvManySync": return "many";
    case "select": return "sel";
    case "trySend": return "bool";
    default: return "none";
  }
}

function fmtErr(lib: Lib, e: unknown): string {
  if (typeof e === "string") return `reason(${e})`;
  if (e instanceof lib.ChannelError) return `ChannelError(${e.message})`;
  if (e instanceof TypeError) return "TypeError";
  if (e instanceof RangeError) return "RangeError";
  if (e instanceof Error) return `${e.name}(${e.message})`;
  return `thrown(${String(e)})`;
}

/** What the programs exercised, summed over a run (printed by the test, to see the model is fed). */
export const coverage: Record<string, number> = {};
const count = (what: string, n = 1) => { coverage[what] = (coverage[what] ?? 0) + n; };

interface Tracked { state: "pending" | "fulfilled" | "rejected"; value?: unknown; shape: Shape }

/** Runs `p` on `cfg`; returns null if every observation matched the model, else a report. */
export async function runProgram(cfg: Config, p: Program): Promise<string | null> {
  const { lib, heap } = cfg;
  const anyLib = lib as any;
  anyLib.__seedSelect(p.seed);
  const kindOf = (i: number) => (heap !== undefined && p.chans[i].kind === 0 ? SHARED_UNTYPED : p.chans[i].kind);
  const stats = () => (heap !== undefined ? heap.stats() : lib.stats());
  const base = stats();
  const chans: any[] = p.chans.map((c, i) => {
    const codec = kinds[kindOf(i)].codec?.(lib);
    return heap !== undefined ? heap.chan(c.cap, codec as never) : lib.chan(c.cap, codec === undefined ? undefined : { codec: codec as never });
  });
  const ctrls = Array.from({ length: NSIG }, () => new AbortController());

  // Values: the model sees tokens; `made[t]` is what was sent and what a receiver must get.
  const made: Made[] = [];
  const tokErr: (string | undefined)[] = [];
  const refs = new WeakMap<object, number>();
  const token = (ch: number | null, s: ValSpec): Tok => {
    const m = kinds[ch === null ? 0 : kindOf(ch)].make(s);
    const t = made.length;
    made.push(m);
    tokErr.push(m.err);
    if ((typeof m.raw === "object" && m.raw !== null) || typeof m.raw === "function") refs.set(m.raw, t);
    return t;
  };
  const raw = (t: Tok) => made[t].raw;
  const fmtTok = (t: Tok) => fmt(t >= 0 ? made[t].expect : kinds[kindOf(-1 - t)].zero(), refs);
  const fmtRes = (r: Res): string => {
    switch (r.k) {
      case "ok": return "ok";
      case "val": return fmtTok(r.t);
      case "vok": return `${fmtTok(r.t)} ok=${r.ok}`;
      case "sel": return `case ${r.i} ${r.t === null ? "undefined" : fmtTok(r.t)} ok=${r.ok}`;
      case "many": return `[${r.ts.map(fmtTok).join(", ")}]`;
      case "bool": return String(r.b);
      case "none": return "undefined";
      case "err": return r.e;
    }
  };
  const fmtActual = (shape: Shape, v: any): string => {
    const f = (x: unknown) => fmt(x, refs);
    switch (shape) {
      case "ok": return v === undefined ? "ok" : `ok with ${f(v)}`;
      case "val": return f(v);
      case "vok": return v === undefined ? "undefined" : `${f(v.value)} ok=${v.ok}`;
      case "sel": return `case ${v.index} ${f(v.value)} ok=${v.ok}`;
      case "many": return Array.isArray(v) ? `[${v.map(f).join(", ")}]` : `not an array: ${f(v)}`;
      case "bool": return String(v);
      case "none": return f(v);
    }
  };
  const fmtImm = (imm: Imm, shape: Shape): string =>
    imm.k === "throw" ? `throws ${imm.e}` : imm.k === "ret" ? `returns ${shape === "none" ? "undefined" : fmtRes(imm.r)}` : imm.k;

  const resolveCmd = (c: Cmd): MCmd => {
    const n = chans.length;
    const sig = (s: Sig) => (typeof s === "number" ? s : null);
    switch (c.k) {
      case "send": return { k: "send", ch: c.ch % n, t: token(c.ch % n, c.v), sig: sig(c.sig) };
      case "recv": return { k: "recv", ch: c.ch % n, ok: c.ok, sig: sig(c.sig) };
      case "trySend": return { k: "trySend", ch: c.ch % n, t: token(c.ch % n, c.v) };
      case "tryRecv": return { k: "tryRecv", ch: c.ch % n };
      case "sendMany": return { k: "sendMany", ch: c.ch % n, ts: c.vs.map((v) => token(c.ch % n, v)), sig: sig(c.sig) };
      case "recvMany": return { k: "recvMany", ch: c.ch % n, max: c.max, sig: sig(c.sig) };
      case "sendSync": return { k: "sendSync", ch: c.ch % n, t: token(c.ch % n, c.v) };
      case "recvSync": return { k: "recvSync", ch: c.ch % n, ok: c.ok };
      case "sendManySync": return { k: "sendManySync", ch: c.ch % n, ts: c.vs.map((v) => token(c.ch % n, v)) };
      case "recvManySync": return { k: "recvManySync", ch: c.ch % n, max: c.max };
      case "close": return { k: "close", ch: c.ch % n };
      case "dispose": return { k: "dispose", ch: c.ch % n };
      case "abort": return { k: "abort", sig: c.sig };
      case "select": {
        const cases = c.cases.map((k) => {
          const ch = k.ch === null ? null : k.ch % n;
          return { dir: k.dir, ch, t: k.dir === "send" ? token(ch, k.v) : -1 };
        });
        return { k: "select", cases, dflt: c.dflt, sig: sig(c.sig) };
      }
    }
  };
  const optsOf = (s: Sig): { signal?: AbortSignal } | undefined =>
    s === null ? undefined : s === "none" ? {} : { signal: ctrls[s].signal };

  /** A batch's values as the program asks: an array, or a typed array where the kind allows (values.ts). */
  const batchOf = (chi: number, ts: Tok[], typed: boolean): unknown => {
    const array = typed ? batchArray(kinds[kindOf(chi)], ts.map((t) => made[t])) : undefined;
    if (array === undefined) return ts.map(raw);
    count(`typed ${array} batch`);
    return (globalThis as any)[array].from(ts.map(raw));
  };
  /** The view a recvMany is made as a recvManyInto with, if the program asks and the kind allows. */
  const viewOf = (chi: number, max: number, typed: boolean): any => {
    const array = typed ? kinds[kindOf(chi)].packed : undefined;
    if (array === undefined) return undefined;
    count(`recvManyInto ${array}`);
    return new (globalThis as any)[array](viewLength(max));
  };
  /** Makes the call on the core; returns what it returned (a Promise for the async ops). */
  const call = (c: Cmd, m: MCmd): unknown => {
    const ch = "ch" in m ? chans[m.ch] : undefined;
    switch (m.k) {
      case "send": return ch.send(raw(m.t), optsOf((c as { sig: Sig }).sig));
      case "recv": return m.ok ? ch.recvOk(optsOf((c as { sig: Sig }).sig)) : ch.recv(optsOf((c as { sig: Sig }).sig));
      case "trySend": return ch.trySend(raw(m.t));
      case "tryRecv": return ch.tryRecv();
      case "sendMany": return ch.sendMany(batchOf(m.ch, m.ts, (c as { typed: boolean }).typed), optsOf((c as { sig: Sig }).sig));
      case "recvMany": {
        const view = viewOf(m.ch, m.max, (c as { typed: boolean }).typed);
        if (view === undefined) return ch.recvMany(m.max, optsOf((c as { sig: Sig }).sig));
        return ch.recvManyInto(view, optsOf((c as { sig: Sig }).sig)).then((n: number) => Array.from(view.subarray(0, n)));
      }
      case "sendSync": return ch.sendSync(raw(m.t));
      case "recvSync": return m.ok ? ch.recvSyncOk() : ch.recvSync();
      case "sendManySync": return ch.sendManySync(batchOf(m.ch, m.ts, (c as { typed: boolean }).typed));
      case "recvManySync": {
        const view = viewOf(m.ch, m.max, (c as { typed: boolean }).typed);
        if (view === undefined) return ch.recvManySync(m.max);
        return Array.from(view.subarray(0, ch.recvManyIntoSync(view)));
      }
      case "close": return ch.close();
      case "dispose": return ch.dispose();
      case "abort": return ctrls[m.sig].abort(`abort s${m.sig}`);
      case "select": {
        const cases = m.cases.map((k) => {
          const kc = k.ch === null ? null : chans[k.ch];
          return k.dir === "recv" ? lib.recv(kc) : lib.send(kc, raw(k.t));
        });
        const s = (c as Extract<Cmd, { k: "select" }>).sig;
        const opts: { default?: boolean; signal?: AbortSignal } | undefined = optsOf(s);
        return lib.select(cases, m.dflt ? { ...opts, default: true } : opts);
      }
    }
  };

  const ops: Tracked[] = [];
  const settledOrder: number[] = [];
  const observe = (imm: string): string[] => {
    const s = stats();
    return [
      `call: ${imm}`,
      ...ops.map((o, i) => `#${i} ${o.state === "pending" ? "pending" : o.state === "fulfilled" ? `→ ${fmtActual(o.shape, o.value)}` : `✗ ${fmtErr(lib, o.value)}`}`),
      ...chans.map((c, i) => `c${i} len=${c.len} cap=${c.cap}`),
      `parked senders/receivers ${s.parkedSenders - base.parkedSenders}/${s.parkedReceivers - base.parkedReceivers}`,
    ];
  };
  const predict = (m: Model, imm: string): string[] => {
    const [ps, pr] = m.parkedCounts();
    return [
      `call: ${imm}`,
      ...m.ops.map((o) => `#${o.id} ${!o.done ? "pending" : o.res!.k === "err" ? `✗ ${fmtRes(o.res!)}` : `→ ${fmtRes(o.res!)}`}`),
      ...m.chans.map((c, i) => `c${i} len=${m.len(i)} cap=${c.cap}`),
      `parked senders/receivers ${ps}/${pr}`,
    ];
  };

  let states = [new Model(p.chans.map((c) => c.cap), NSIG, tokErr, cfg.sync)];
  const trace: string[] = [];
  const all = [...p.cmds, ...teardown(p)];
  const listing = () => showProgram(p, kindOf);
  try {
    for (let i = 0; i < all.length; i++) {
      const c = all[i];
      const m = resolveCmd(c);
      const shape = shapeOf(m);
      const next = explore(states, m);
      if (next.some((s) => s.imm.k === "skip" || s.imm.k === "wouldBlock")) {
        count(`${m.k} not called (${next[0].imm.k})`);
        trace.push(`${i}: not called (${next[0].imm.k === "skip" ? "not on this core" : "would block this thread"})`);
        continue;
      }
      // The call.
      const from = settledOrder.length;
      const pendingBefore = ops.flatMap((o, j) => (o.state === "pending" ? [j] : []));
      let imm: string;
      try {
        const r = call(c, m);
        if (r instanceof Promise) {
          const id = ops.length;
          const o: Tracked = { state: "pending", shape };
          ops.push(o);
          const plain = PLAIN.has(m.k);
          r.then(
            (v) => { o.state = "fulfilled"; o.value = v; if (plain) settledOrder.push(id); },
            (e) => { o.state = "rejected"; o.value = e; if (plain) settledOrder.push(id); },
          );
          imm = "promise";
        } else {
          imm = `returns ${fmtActual(shape, r)}`;
        }
      } catch (e) {
        imm = `throws ${fmtErr(lib, e)}`;
      }
      // The caller may reuse what it sent: a channel keeps a copy, not the sender's bytes.
      const lent = "t" in m ? [m.t] : "ts" in m ? m.ts
        : m.k === "select" ? m.cases.map((k) => k.t) : [];
      for (const t of lent) {
        if (t >= 0 && made[t].raw instanceof Uint8Array && made[t].err === undefined) (made[t].raw as Uint8Array).fill(0xee);
      }
      await macrotask();
      const actual = observe(imm);
      const order = settledOrder.slice(from).join(",");
      const matching = next.filter((s) => {
        const want = predict(s.m, fmtImm(s.imm, shape));
        return want.length === actual.length && want.every((l, j) => l === actual[j]) && s.m.log.join(",") === order;
      });
      trace.push(`${i}: ${imm}${order ? `; settled #${order}` : ""}`);
      if (matching.length === 0) {
        const s = next[0];
        const want = predict(s.m, fmtImm(s.imm, shape));
        const diff: string[] = [];
        for (let j = 0; j < Math.max(want.length, actual.length); j++) {
          if (want[j] !== actual[j]) diff.push(`    model: ${want[j] ?? "(none)"}\n    core:  ${actual[j] ?? "(none)"}`);
        }
        if (s.m.log.join(",") !== order) diff.push(`    model: Promises settled in the order #${s.m.log.join(",")}\n    core:  #${order}`);
        return [
          `${cfg.name}: call ${i} does not do what the model says` +
            (next.length > 1 ? ` (none of the ${next.length} outcomes Go allows; the first shown)` : ""),
          listing(),
          "what happened, call by call:",
          ...trace.map((l) => `  ${l}`),
          `difference after call ${i}:`,
          ...diff,
        ].join("\n");
      }
      states = matching.length === 1 ? [matching[0].m]
        : [...new Map(matching.map((s) => [s.m.key(), s.m] as const)).values()];
      count("calls");
      count(`${m.k} ${imm.startsWith("throws") ? imm : imm === "promise" ? "promise" : "returned"}`);
      if (next.length > 1) count("calls where Go allows several outcomes");
      if (imm === "promise" && ops[ops.length - 1].state === "pending") count("ops parked");
      count("parked ops settled by a later call", pendingBefore.filter((j) => ops[j].state !== "pending").length);
    }
    return null;
  } finally {
    for (const c of chans) c.dispose();
    for (const c of ctrls) c.abort("cleanup");
    await macrotask();
  }
}
