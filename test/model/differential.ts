// The differential half of the model-based test (test/model.test.ts): fast-check generates random programs (a few channels, a few
// AbortControllers, several async "goroutines" each a list of channel operations — single ops, selects,
// sendMany/recvMany — and idle points),
// runs each program on both cores with the same select seed, and requires every observable result
// to be identical: per goroutine the outcome of each op (value, ok, error message, select case,
// len/cap, parked counts), the order in which ops were called and their promises settled, the
// parked counts when the program settled, and what was left in the buffers. On each core it also
// checks invariants that hold whatever the interleaving: no value is received twice, a received
// value came from a send that succeeded, every successful send is received or still buffered (or
// was in a channel the program disposed), a sendMany that rejected sent a prefix of its values,
// recvMany(max) returns at most max values, nothing stays parked at the end.
//
// Two schedulers, chosen per program:
// - "free": the goroutines are started in order and run as plain async functions; only the event
//   loop interleaves them (idle points are macrotask turns);
// - "stepped": a scheduler grants one op at a time, to the goroutine named by the program's
//   schedule (or the next runnable one), one macrotask turn per step.
// Every program terminates: once nothing can move, all channels are closed and all signals aborted
// (what is still parked then settles, and the goroutines run their remaining ops on the closed
// channels), and each phase is bounded by a number of event-loop turns.
// A failing program is shrunk by fast-check and printed as a readable listing with both traces.
import fc from "fast-check";
import type { Lib } from "../cores";
import { macrotask } from "../util";

const NSIG = 3;
/** Event-loop turns a phase may take before the run counts as hung. */
const MAX_TURNS = 2000;

// ---- programs

type Sig = number | null;
interface CaseSpec { dir: "recv" | "send"; ch: number | null }
type Op =
  | { k: "send"; ch: number; sig: Sig }
  | { k: "recv"; ch: number; ok: boolean; sig: Sig }
  | { k: "trySend"; ch: number }
  | { k: "sendMany"; ch: number; n: number; sig: Sig }
  | { k: "recvMany"; ch: number; max: number; sig: Sig }
  | { k: "tryRecv"; ch: number }
  | { k: "close"; ch: number }
  | { k: "dispose"; ch: number }
  | { k: "select"; cases: CaseSpec[]; dflt: boolean; sig: Sig }
  | { k: "abort"; sig: number }
  | { k: "len"; ch: number }
  | { k: "cap"; ch: number }
  | { k: "stats" }
  | { k: "idle"; n: number };

interface ChanSpec { cap: number; typed: boolean }
export interface Program {
  seed: number;
  mode: "free" | "stepped";
  schedule: number[];
  chans: ChanSpec[];
  gs: Op[][];
}

const chIdx = fc.nat(2); // taken modulo the number of channels, so shrinking the channel list keeps programs valid
const sigArb: fc.Arbitrary<Sig> = fc.option(fc.nat(NSIG - 1), { freq: 3 });
const caseArb: fc.Arbitrary<CaseSpec> = fc.record({
  dir: fc.constantFrom("recv" as const, "send" as const),
  ch: fc.option(chIdx, { freq: 5 }),
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ k: fc.constant("send" as const), ch: chIdx, sig: sigArb }) },
  { weight: 10, arbitrary: fc.record({ k: fc.constant("recv" as const), ch: chIdx, ok: fc.boolean(), sig: sigArb }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("trySend" as const), ch: chIdx }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("sendMany" as const), ch: chIdx, n: fc.nat(4), sig: sigArb }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("recvMany" as const), ch: chIdx, max: fc.integer({ min: 1, max: 3 }), sig: sigArb }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("tryRecv" as const), ch: chIdx }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("close" as const), ch: chIdx }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("dispose" as const), ch: chIdx }) },
  {
    weight: 8,
    arbitrary: fc.record({
      k: fc.constant("select" as const),
      cases: fc.array(caseArb, { maxLength: 4 }),
      dflt: fc.boolean(),
      sig: sigArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("abort" as const), sig: fc.nat(NSIG - 1) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("len" as const), ch: chIdx }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("cap" as const), ch: chIdx }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("stats" as const) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("idle" as const), n: fc.integer({ min: 1, max: 3 }) }) },
);
export const programArb: fc.Arbitrary<Program> = fc.record({
  seed: fc.nat({ max: 0xffff_ffff }),
  mode: fc.constantFrom("free" as const, "stepped" as const),
  schedule: fc.array(fc.nat(3), { minLength: 1, maxLength: 8 }),
  chans: fc.array(fc.record({ cap: fc.nat(3), typed: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  gs: fc.array(fc.array(opArb, { maxLength: 16, size: "+1" }), { minLength: 1, maxLength: 5, size: "+1" }),
});

/** The value sent by goroutine g's op i (select case c): unique in the program, never a zero value. */
const valueOf = (g: number, i: number, c = 0): number => g * 1000 + i * 10 + c + 1;

// ---- a readable listing, for counterexamples

export function showProgram(p: Program): string {
  const ch = (i: number | null) => (i === null ? "null" : `c${i % p.chans.length}`);
  const opts = (sig: Sig, extra = "") =>
    sig === null && extra === "" ? "" : `{ ${[extra, sig === null ? "" : `signal: s${sig}`].filter(Boolean).join(", ")} }`;
  const op = (g: number, i: number, o: Op): string => {
    switch (o.k) {
      case "send": return `await ${ch(o.ch)}.send(${valueOf(g, i)}${o.sig === null ? "" : `, ${opts(o.sig)}`})`;
      case "recv": return `await ${ch(o.ch)}.${o.ok ? "recvOk" : "recv"}(${opts(o.sig)})`;
      case "trySend": return `${ch(o.ch)}.trySend(${valueOf(g, i)})`;
      case "sendMany": {
        const vs = Array.from({ length: o.n }, (_, j) => valueOf(g, i, j));
        return `await ${ch(o.ch)}.sendMany([${vs.join(", ")}]${o.sig === null ? "" : `, ${opts(o.sig)}`})`;
      }
      case "recvMany": return `await ${ch(o.ch)}.recvMany(${o.max}${o.sig === null ? "" : `, ${opts(o.sig)}`})`;
      case "tryRecv": return `${ch(o.ch)}.tryRecv()`;
      case "close": return `${ch(o.ch)}.close()`;
      case "dispose": return `${ch(o.ch)}.dispose()`;
      case "select": {
        const cs = o.cases.map((c, j) => (c.dir === "recv" ? `recv(${ch(c.ch)})` : `send(${ch(c.ch)}, ${valueOf(g, i, j)})`));
        const o2 = opts(o.sig, o.dflt ? "default: true" : "");
        return `await select([${cs.join(", ")}]${o2 ? `, ${o2}` : ""})`;
      }
      case "abort": return `s${o.sig}.abort("abort s${o.sig}")`;
      case "len": return `${ch(o.ch)}.len`;
      case "cap": return `${ch(o.ch)}.cap`;
      case "stats": return `stats() parked`;
      case "idle": return `idle ${o.n} macrotask turn(s)`;
    }
  };
  const lines = [
    `__seedSelect(${p.seed}); scheduler: ${p.mode}${p.mode === "stepped" ? `, schedule [${p.schedule.join(", ")}]` : ""}`,
    ...p.chans.map((c, i) => `const c${i} = chan(${c.cap}${c.typed ? ", { codec: codecs.i32 }" : ""});`),
    `const ${Array.from({ length: NSIG }, (_, i) => `s${i}`).join(", ")} = ${NSIG} AbortSignals (sK.abort(r) below is their controller's);`,
  ];
  p.gs.forEach((ops, g) => {
    lines.push(`g${g}:`);
    ops.forEach((o, i) => lines.push(`  ${i}: ${op(g, i, o)}`));
  });
  return lines.join("\n");
}

// ---- running a program on one core

export interface Outcome {
  /** Per goroutine, per op: its observable result. */
  traces: string[][];
  /** The order in which ops were called ("g.i") and their awaits resumed ("g.i✓"), and the phase boundary. */
  calls: string[];
  /** Parked counts when phase 1 settled, and at the end. */
  settled: string;
  final: string;
  /** What was still buffered at the end, per channel. */
  leftovers: string[];
  /** Invariant violations found on this core. */
  violations: string[];
  ops: number;
}

function fmtVal(v: unknown): string {
  return v === undefined ? "undefined" : typeof v === "number" ? String(v) : `?${typeof v}:${String(v)}`;
}

function fmtErr(lib: Lib, e: unknown): string {
  if (typeof e === "string") return `reason(${e})`;
  if (e instanceof lib.ChannelError) return `ChannelError(${e.message})`;
  if (e instanceof Error) return `${e.name}(${e.message})`;
  return `thrown(${String(e)})`;
}

export async function runProgram(lib: Lib, p: Program): Promise<Outcome> {
  const { chan, codecs, select, recv, send, stats } = lib;
  lib.__seedSelect(p.seed);
  const base = stats();
  const parked = () => {
    const s = stats();
    return `${s.parkedSenders - base.parkedSenders}/${s.parkedReceivers - base.parkedReceivers}`;
  };
  const chans = p.chans.map((c) => chan<number>(c.cap, c.typed ? { codec: codecs.i32 } : undefined));
  const ctrls = Array.from({ length: NSIG }, () => new AbortController());
  const ch = (i: number) => chans[i % chans.length];
  const chOrNull = (i: number | null) => (i === null ? null : ch(i));
  const optsOf = (sig: Sig) => (sig === null ? undefined : { signal: ctrls[sig].signal });

  const traces: string[][] = p.gs.map(() => []);
  const calls: string[] = [];
  const violations: string[] = [];
  // Values: attempted → "pending" until the send settles as "sent" or "failed" ("maybe": a value of a
  // sendMany that rejected, which sent the values before the one that failed).
  const sends = new Map<number, "pending" | "sent" | "failed" | "maybe">();
  /** The channel each value was sent on: values buffered in a disposed channel are discarded with it. */
  const sentOn = new Map<number, number>();
  const disposed = new Set<number>();
  const received = new Set<number>();
  const got = (v: unknown, ok: boolean, where: string) => {
    if (!ok) {
      if (v !== undefined && v !== 0) violations.push(`${where}: ok=false with non-zero value ${fmtVal(v)}`);
      return;
    }
    if (typeof v !== "number") return void violations.push(`${where}: received non-number ${fmtVal(v)}`);
    if (received.has(v)) violations.push(`${where}: value ${v} received twice`);
    received.add(v);
  };
  const settleSend = (v: number, ok: boolean) => sends.set(v, ok ? "sent" : "failed");
  /** The values of each sendMany that rejected: those sent must be a prefix of them. */
  const partial: number[][] = [];

  /** Calls goroutine g's op i now (synchronously: this is when it registers) and returns its outcome. */
  function exec(g: number, i: number, o: Op): string | Promise<string> {
    const where = `g${g}.${i}`;
    calls.push(where);
    try {
      switch (o.k) {
        case "send": {
          const v = valueOf(g, i);
          sends.set(v, "pending");
          sentOn.set(v, o.ch % chans.length);
          return ch(o.ch).send(v, optsOf(o.sig)).then(
            () => (settleSend(v, true), "send ok"),
            (e) => (settleSend(v, false), `send rejected ${fmtErr(lib, e)}`),
          );
        }
        case "recv": {
          const c = ch(o.ch);
          if (o.ok) {
            return c.recvOk(optsOf(o.sig)).then(
              (r) => (got(r.value, r.ok, where), `recvOk ${fmtVal(r.value)} ${r.ok}`),
              (e) => `recvOk rejected ${fmtErr(lib, e)}`,
            );
          }
          return c.recv(optsOf(o.sig)).then(
            // Without ok, a zero value may be the closed channel's; values sent are never zero.
            (v) => (got(v, v !== undefined && v !== 0, where), `recv ${fmtVal(v)}`),
            (e) => `recv rejected ${fmtErr(lib, e)}`,
          );
        }
        case "trySend": {
          const v = valueOf(g, i);
          sends.set(v, "pending");
          sentOn.set(v, o.ch % chans.length);
          let r: boolean;
          try {
            r = ch(o.ch).trySend(v);
          } catch (e) {
            settleSend(v, false);
            return `trySend threw ${fmtErr(lib, e)}`;
          }
          settleSend(v, r);
          return `trySend ${r}`;
        }
        case "sendMany": {
          const vs = Array.from({ length: o.n }, (_, j) => valueOf(g, i, j));
          for (const v of vs) {
            sends.set(v, "pending");
            sentOn.set(v, o.ch % chans.length);
          }
          return ch(o.ch).sendMany(vs, optsOf(o.sig)).then(
            () => (vs.forEach((v) => settleSend(v, true)), "sendMany ok"),
            (e) => (vs.forEach((v) => sends.set(v, "maybe")), partial.push(vs), `sendMany rejected ${fmtErr(lib, e)}`),
          );
        }
        case "recvMany":
          return ch(o.ch).recvMany(o.max, optsOf(o.sig)).then(
            (vs) => {
              if (vs.length > o.max) violations.push(`${where}: recvMany(${o.max}) returned ${vs.length} values`);
              vs.forEach((v, j) => got(v, true, `${where}[${j}]`));
              return `recvMany [${vs.map(fmtVal).join(",")}]`;
            },
            (e) => `recvMany rejected ${fmtErr(lib, e)}`,
          );
        case "tryRecv": {
          const r = ch(o.ch).tryRecv();
          if (r === undefined) return "tryRecv would block";
          got(r.value, r.ok, where);
          return `tryRecv ${fmtVal(r.value)} ${r.ok}`;
        }
        case "close":
          try {
            ch(o.ch).close();
            return "close ok";
          } catch (e) {
            return `close threw ${fmtErr(lib, e)}`;
          }
        case "dispose":
          ch(o.ch).dispose();
          disposed.add(o.ch % chans.length);
          return "dispose ok";
        case "select": {
          const values = o.cases.map((_, j) => valueOf(g, i, j));
          const cases = o.cases.map((c, j) => (c.dir === "recv" ? recv(chOrNull(c.ch)) : send(chOrNull(c.ch), values[j])));
          o.cases.forEach((c, j) => {
            if (c.dir === "send" && c.ch !== null) {
              sends.set(values[j], "pending");
              sentOn.set(values[j], c.ch % chans.length);
            }
          });
          const done = (winner: number) =>
            o.cases.forEach((c, j) => c.dir === "send" && c.ch !== null && settleSend(values[j], j === winner));
          const opts: { default?: boolean; signal?: AbortSignal } = {};
          if (o.dflt) opts.default = true;
          if (o.sig !== null) opts.signal = ctrls[o.sig].signal;
          return select(cases, opts).then(
            (r) => {
              done(r.index);
              if (r.index >= 0 && o.cases[r.index]?.dir === "recv") got(r.value, r.ok, where);
              if (r.index >= 0 && o.cases[r.index]?.ch === null) violations.push(`${where}: nil case ${r.index} won`);
              return `select ${r.index} ${fmtVal(r.value)} ${r.ok}`;
            },
            (e) => (done(-2), `select rejected ${fmtErr(lib, e)}`),
          );
        }
        case "abort":
          ctrls[o.sig].abort(`abort s${o.sig}`);
          return `abort s${o.sig}`;
        case "len": {
          const c = ch(o.ch);
          if (c.len > c.cap || c.len < 0) violations.push(`${where}: len ${c.len} with cap ${c.cap}`);
          return `len ${c.len}`;
        }
        case "cap":
          return `cap ${ch(o.ch).cap}`;
        case "stats":
          return `stats ${parked()}`;
        case "idle":
          return `idle ${o.n}`;
      }
    } catch (e) {
      // A synchronous throw (a disposed channel): nothing of this op was sent.
      for (const [v, st] of sends) if (st === "pending" && Math.floor((v - 1) / 10) === g * 100 + i) settleSend(v, false);
      return `threw ${fmtErr(lib, e)}`;
    }
  }

  // Goroutine states, seen by the driver after each macrotask turn (all microtasks have run then).
  type State = "gate" | "idle" | "blocked" | "done";
  const state: State[] = p.gs.map(() => "gate");
  const idleLeft: number[] = p.gs.map(() => 0);
  const gates: (() => void)[] = p.gs.map(() => () => {});
  const stepped = p.mode === "stepped";

  async function goroutine(g: number, ops: Op[]): Promise<void> {
    for (let i = 0; i < ops.length; i++) {
      if (stepped) {
        state[g] = "gate";
        await new Promise<void>((resolve) => (gates[g] = resolve));
      }
      const o = ops[i];
      if (o.k === "idle") {
        traces[g].push(exec(g, i, o) as string);
        if (stepped) idleLeft[g] = o.n;
        else {
          state[g] = "idle";
          for (let t = 0; t < o.n; t++) await macrotask();
        }
        continue;
      }
      state[g] = "blocked";
      const r = exec(g, i, o);
      if (typeof r === "string") traces[g].push(r);
      else {
        traces[g].push(await r);
        calls.push(`g${g}.${i}✓`); // when the op's await resumed: the order in which promises settle
      }
    }
    state[g] = "done";
  }

  /** Runs until nothing can move: every goroutine done or blocked on a channel op — and no op settled
   *  in the last turn (with preemption's deferred form an op settles a macrotask turn after it ran). */
  async function quiesce(phase: string): Promise<void> {
    let step = 0;
    for (let turn = 0, seen = -1; ; turn++) {
      if (turn > MAX_TURNS) throw new Error(`${phase}: no quiescence after ${MAX_TURNS} event-loop turns (hung?)`);
      if (stepped) {
        for (let g = 0; g < state.length; g++) if (idleLeft[g] > 0) idleLeft[g]--;
        const runnable = (g: number) => state[g] === "gate" && idleLeft[g] === 0;
        const n = state.length;
        const first = p.schedule[step++ % p.schedule.length] % n;
        let pick = -1;
        for (let d = 0; d < n; d++) if (runnable((first + d) % n)) { pick = (first + d) % n; break; }
        if (pick >= 0) gates[pick]();
        else if (!idleLeft.some((x) => x > 0) && calls.length === seen) return;
      }
      if (!stepped && !state.includes("idle") && calls.length === seen) return;
      seen = calls.length;
      await macrotask();
    }
  }

  const running = p.gs.map((ops, g) => goroutine(g, ops));
  running.forEach((r) => r.catch((e) => violations.push(`goroutine crashed: ${e}`)));
  await quiesce("phase 1");
  const settled = parked();
  calls.push("| close all, abort all");
  for (const c of chans) {
    try { c.close(); } catch { /* closed by the program */ }
  }
  for (const c of ctrls) c.abort("cleanup");
  await macrotask();
  await quiesce("phase 2");
  const final = parked();
  if (final !== "0/0") violations.push(`still parked at the end (senders/receivers): ${final}`);
  for (let g = 0; g < state.length; g++) {
    // Only a select with no channel and no signal may still block (Go's select {}), and that one is never called twice.
    if (state[g] !== "done") {
      const o = p.gs[g][traces[g].length];
      const nilOnly = o?.k === "select" && !o.dflt && o.cases.every((c) => c.ch === null);
      if (!nilOnly) violations.push(`g${g} did not finish: stuck at op ${traces[g].length} (${o?.k})`);
      else traces[g].push("blocks forever (select with no channel)");
    }
  }
  const leftovers = chans.map((c, i) => {
    const vs: string[] = [];
    if (disposed.has(i)) return "disposed";
    for (let r = c.tryRecv(); r !== undefined && r.ok; r = c.tryRecv()) {
      got(r.value, true, `drain c${i}`);
      vs.push(fmtVal(r.value));
    }
    return vs.join(",");
  });
  for (const [v, s] of sends) {
    if (s === "pending") violations.push(`send of ${v} never settled`);
    if (s === "sent" && !received.has(v) && !disposed.has(sentOn.get(v)!)) violations.push(`value ${v} was sent but never received nor buffered (lost)`);
    if (s === "failed" && received.has(v)) violations.push(`value ${v} was received but its send failed`);
  }
  for (const vs of partial) {
    if (disposed.has(sentOn.get(vs[0])!)) continue;
    const k = vs.filter((v) => received.has(v)).length;
    if (!vs.slice(0, k).every((v) => received.has(v))) violations.push(`sendMany [${vs}] rejected, but what arrived is not a prefix of it`);
  }
  for (const v of received) if (!sends.has(v)) violations.push(`value ${v} received but never sent`);
  for (const c of chans) c.dispose();
  return { traces, calls, settled, final, leftovers, violations, ops: traces.reduce((a, t) => a + t.length, 0) };
}

// ---- reports

export function showOutcome(o: Outcome): string {
  return [
    ...o.traces.map((t, g) => `  g${g}: ${t.map((s, i) => `${i}:${s}`).join(" | ")}`),
    `  call order (✓: await resumed): ${o.calls.join(" ")}`,
    `  parked when settled: ${o.settled}, at the end: ${o.final}; left in buffers: [${o.leftovers.join("] [")}]`,
    ...(o.violations.length ? [`  INVARIANT VIOLATIONS: ${o.violations.join("; ")}`] : []),
  ].join("\n");
}

