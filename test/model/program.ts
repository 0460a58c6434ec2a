// Programs for the reference-model test: a few channels of random kinds and capacities, a few
// AbortSignals, and a sequence of calls made one at a time from one thread (each call's Promise is
// kept, and checked after every later call). fast-check generates and shrinks them.
import fc from "fast-check";
import { batchArray, kinds, showVal, type ValSpec } from "./values";

export const NSIG = 3;

/** No options, `{}` (options without a signal), or `{ signal: sK }`. */
export type Sig = null | "none" | number;

export interface PCase { dir: "send" | "recv"; ch: number | null; v: ValSpec }
export type Cmd =
  | { k: "send"; ch: number; v: ValSpec; sig: Sig }
  | { k: "recv"; ch: number; ok: boolean; sig: Sig }
  | { k: "trySend"; ch: number; v: ValSpec }
  | { k: "tryRecv"; ch: number }
  | { k: "sendMany"; ch: number; vs: ValSpec[]; sig: Sig; typed: boolean }
  | { k: "recvMany"; ch: number; max: number; sig: Sig; typed: boolean }
  | { k: "sendSync"; ch: number; v: ValSpec }
  | { k: "recvSync"; ch: number; ok: boolean }
  | { k: "sendManySync"; ch: number; vs: ValSpec[]; typed: boolean }
  | { k: "recvManySync"; ch: number; max: number; typed: boolean }
  | { k: "close"; ch: number }
  | { k: "dispose"; ch: number }
  | { k: "select"; cases: PCase[]; dflt: boolean; sig: Sig }
  | { k: "abort"; sig: number };

export interface ChanSpec { cap: number; kind: number }
export interface Program { seed: number; chans: ChanSpec[]; cmds: Cmd[] }

// Channel indices are taken modulo the number of channels, so shrinking the channel list keeps a
// program valid.
const ch = fc.nat(2);
const sig: fc.Arbitrary<Sig> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant("none" as const) },
  { weight: 3, arbitrary: fc.nat(NSIG - 1) },
);
const val: fc.Arbitrary<ValSpec> = fc.record({
  cls: fc.oneof({ weight: 14, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.constant(2) }, { weight: 1, arbitrary: fc.constant(3) }),
  n: fc.nat(1_000_000),
});
const vals = fc.array(val, { maxLength: 5 });
const max = fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 1.5) });
/** A batch as a typed array (sendMany(Int32Array), recvManyInto(view)) where the channel's kind allows. */
const typed = fc.boolean();
const pcase: fc.Arbitrary<PCase> = fc.record({
  dir: fc.constantFrom("recv" as const, "send" as const),
  ch: fc.option(ch, { freq: 6 }),
  v: val,
});

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 9, arbitrary: fc.record({ k: fc.constant("send" as const), ch, v: val, sig }) },
  { weight: 9, arbitrary: fc.record({ k: fc.constant("recv" as const), ch, ok: fc.boolean(), sig }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("trySend" as const), ch, v: val }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("tryRecv" as const), ch }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("sendMany" as const), ch, vs: vals, sig, typed }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("recvMany" as const), ch, max, sig, typed }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("sendSync" as const), ch, v: val }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("recvSync" as const), ch, ok: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("sendManySync" as const), ch, vs: vals, typed }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("recvManySync" as const), ch, max, typed }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("close" as const), ch }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("dispose" as const), ch }) },
  {
    weight: 7,
    arbitrary: fc.record({ k: fc.constant("select" as const), cases: fc.array(pcase, { maxLength: 4 }), dflt: fc.boolean(), sig }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("abort" as const), sig: fc.nat(NSIG - 1) }) },
);

export const programArb: fc.Arbitrary<Program> = fc.record({
  seed: fc.nat({ max: 0xffff_ffff }),
  chans: fc.array(fc.record({ cap: fc.nat(3), kind: fc.nat(kinds.length - 1) }), { minLength: 1, maxLength: 3 }),
  cmds: fc.array(cmd, { maxLength: 30, size: "+1" }),
});

/** The calls that end every program: close every channel and abort every signal, so that everything
 *  still parked settles (and is checked). */
export function teardown(p: Program): Cmd[] {
  return [
    ...p.chans.map((_, i): Cmd => ({ k: "close", ch: i })),
    ...Array.from({ length: NSIG }, (_, i): Cmd => ({ k: "abort", sig: i })),
  ];
}

/** A program as readable code; `kindOf(i)` is the kind channel i has on the core run. */
export function showProgram(p: Program, kindOf: (c: number) => number): string {
  const c = (i: number | null) => (i === null ? "null" : `c${i % p.chans.length}`);
  const v = (i: number | null, s: ValSpec) => showVal(kinds[i === null ? 0 : kindOf(i % p.chans.length)], s);
  const opts = (s: Sig, extra = "") => {
    const parts = [extra, typeof s === "number" ? `signal: s${s}` : ""].filter(Boolean);
    return parts.length ? `{ ${parts.join(", ")} }` : s === "none" ? "{}" : "";
  };
  const withOpts = (args: string, s: Sig, extra = "") => [args, opts(s, extra)].filter(Boolean).join(", ");
  const kindAt = (i: number) => kinds[kindOf(i % p.chans.length)];
  const batch = (i: number, vs: ValSpec[], typed: boolean) => {
    const array = typed ? batchArray(kindAt(i), vs.map((x) => kindAt(i).make(x))) : undefined;
    const list = vs.map((x) => v(i, x)).join(", ");
    return array === undefined ? `[${list}]` : `${array}.of(${list})`;
  };
  const into = (i: number, typed: boolean) => (typed ? kindAt(i).packed : undefined);
  const lines = [
    `__seedSelect(${p.seed});`,
    ...p.chans.map((ch, i) => `const c${i} = chan(${ch.cap}, ${kinds[kindOf(i)].name});`),
  ];
  [...p.cmds, ...teardown(p)].forEach((o, i) => {
    let s: string;
    switch (o.k) {
      case "send": s = `${c(o.ch)}.send(${withOpts(v(o.ch, o.v), o.sig)})`; break;
      case "recv": s = `${c(o.ch)}.${o.ok ? "recvOk" : "recv"}(${opts(o.sig)})`; break;
      case "trySend": s = `${c(o.ch)}.trySend(${v(o.ch, o.v)})`; break;
      case "tryRecv": s = `${c(o.ch)}.tryRecv()`; break;
      case "sendMany": s = `${c(o.ch)}.sendMany(${withOpts(batch(o.ch, o.vs, o.typed), o.sig)})`; break;
      case "recvMany": s = into(o.ch, o.typed) === undefined ? `${c(o.ch)}.recvMany(${withOpts(String(o.max), o.sig)})`
        : `${c(o.ch)}.recvManyInto(${withOpts(`new ${into(o.ch, o.typed)}(${viewLength(o.max)})`, o.sig)})`; break;
      case "sendSync": s = `${c(o.ch)}.sendSync(${v(o.ch, o.v)})`; break;
      case "recvSync": s = `${c(o.ch)}.${o.ok ? "recvSyncOk" : "recvSync"}()`; break;
      case "sendManySync": s = `${c(o.ch)}.sendManySync(${batch(o.ch, o.vs, o.typed)})`; break;
      case "recvManySync": s = into(o.ch, o.typed) === undefined ? `${c(o.ch)}.recvManySync(${o.max})`
        : `${c(o.ch)}.recvManyIntoSync(new ${into(o.ch, o.typed)}(${viewLength(o.max)}))`; break;
      case "close": s = `${c(o.ch)}.close()`; break;
      case "dispose": s = `${c(o.ch)}.dispose()`; break;
      case "abort": s = `s${o.sig}.abort("abort s${o.sig}")`; break;
      case "select": {
        const cs = o.cases.map((k) => (k.dir === "recv" ? `recv(${c(k.ch)})` : `send(${c(k.ch)}, ${v(k.ch, k.v)})`));
        s = `select(${withOpts(`[${cs.join(", ")}]`, o.sig, o.dflt ? "default: true" : "")})`;
        break;
      }
    }
    lines.push(`${String(i).padStart(2)}: ${s}`);
  });
  return lines.join("\n");
}

/** The length of the view a recvManyInto stands in for recvMany(max) with: 0 (refused, as recvMany
 *  refuses it) unless max is an integer >= 1. */
export function viewLength(max: number): number {
  return Number.isInteger(max) && max >= 1 ? max : 0;
}
