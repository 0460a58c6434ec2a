// Differential tests against real Go: deterministic single-goroutine scripts over buffered and
// unbuffered channels (sends that cannot block, try-ops, close with recover, len/cap, receives from
// closed channels, for-range over a closed channel, select with and without default whose choice is
// forced: at most one case is ready) are generated from a fixed seed, translated to ONE Go program
// (one `go build` for the whole batch), and interpreted on each core; every trace must equal Go's,
// line for line.
//
// Go comes from Debian's golang-go (.ci/run installs it). Without `go` on PATH the suite is skipped
// with a warning, except when CI is set: then it fails.
// WASMCHAN_GO_SCRIPTS (default 600) and WASMCHAN_GO_SEED (default fixed) override the batch;
// WASMCHAN_GO_KEEP=1 keeps the generated Go program (its directory is printed).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cores, type Lib } from "./cores";
import { macrotask, rng } from "./util";

const SCRIPTS = Number(process.env.WASMCHAN_GO_SCRIPTS ?? 600);
const SEED = Number(process.env.WASMCHAN_GO_SEED ?? 0x60d1ff);
const OPS_MIN = 8;
const OPS_MAX = 40;

// ---- scripts

interface GoCase { dir: "recv" | "send"; ch: number | null; v: number }
type GoOp =
  | { k: "send"; ch: number; v: number }
  | { k: "recv"; ch: number; ok: boolean }
  | { k: "trysend"; ch: number; v: number }
  | { k: "tryrecv"; ch: number }
  | { k: "close"; ch: number }
  | { k: "len"; ch: number }
  | { k: "cap"; ch: number }
  | { k: "range"; ch: number }
  | { k: "select"; cases: GoCase[]; dflt: boolean };

interface Script {
  /** Capacity per channel; `typed` channels use codecs.i32 in JS (all are `chan int` in Go). */
  chans: { cap: number; typed: boolean }[];
  ops: GoOp[];
}

/**
 * A script that never blocks in Go: generated against a model of each channel (length, closed) so
 * that a blocking `send`/`recv` is only emitted when it completes at once (room in the buffer,
 * something buffered, or closed), a `range` only over a closed channel, and a select has at most
 * one ready case (exactly one without default). Nil channels appear only as select cases.
 */
function genScript(rand: () => number): Script {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: T[]): T => xs[int(xs.length)];
  const nch = 1 + int(3);
  const chans = Array.from({ length: nch }, () => ({ cap: pick([0, 0, 1, 2, 3]), typed: rand() < 0.5 }));
  const model = chans.map((c) => ({ len: 0, cap: c.cap, closed: false }));
  let counter = 0;
  const value = (): number => {
    const r = rand();
    if (r < 0.04) return 0;
    if (r < 0.07) return pick([-1, -2147483648, 2147483647]);
    return ++counter * (rand() < 0.15 ? -1 : 1);
  };
  const sendReady = (c: number) => model[c].closed || model[c].len < model[c].cap;
  const recvReady = (c: number) => model[c].closed || model[c].len > 0;
  const doSend = (c: number) => { if (!model[c].closed) model[c].len++; };
  const doRecv = (c: number) => { if (model[c].len > 0) model[c].len--; };

  const ops: GoOp[] = [];
  const n = OPS_MIN + int(OPS_MAX - OPS_MIN + 1);
  for (let i = 0; i < n; i++) {
    const ch = int(nch);
    const r = rand();
    if (r < 0.18) {
      if (sendReady(ch)) {
        ops.push({ k: "send", ch, v: value() });
        doSend(ch);
      } else {
        ops.push({ k: "trysend", ch, v: value() });
      }
    } else if (r < 0.34) {
      if (recvReady(ch)) {
        ops.push({ k: "recv", ch, ok: rand() < 0.6 });
        doRecv(ch);
      } else {
        ops.push({ k: "tryrecv", ch });
      }
    } else if (r < 0.44) {
      ops.push({ k: "trysend", ch, v: value() });
      if (sendReady(ch)) doSend(ch);
    } else if (r < 0.54) {
      ops.push({ k: "tryrecv", ch });
      doRecv(ch);
    } else if (r < 0.59) {
      // Close: more likely once the channel holds something, so closed-with-buffer is common.
      if (model[ch].closed && rand() < 0.5) continue;
      ops.push({ k: "close", ch });
      model[ch].closed = true;
    } else if (r < 0.65) {
      ops.push({ k: rand() < 0.7 ? "len" : "cap", ch });
    } else if (r < 0.68) {
      if (!model[ch].closed) continue;
      ops.push({ k: "range", ch });
      model[ch].len = 0;
    } else {
      // select: at most one ready case; without default exactly one.
      const ncases = 1 + int(4);
      const dflt = rand() < 0.6;
      const ready: GoCase[] = [];
      const blocked: GoCase[] = [];
      for (let c = 0; c < nch; c++) {
        (sendReady(c) ? ready : blocked).push({ dir: "send", ch: c, v: 0 });
        (recvReady(c) ? ready : blocked).push({ dir: "recv", ch: c, v: 0 });
      }
      const wantReady = ready.length > 0 && (!dflt || rand() < 0.6);
      if (!dflt && !wantReady) continue;
      const at = wantReady ? int(ncases) : -1;
      const cases: GoCase[] = [];
      for (let j = 0; j < ncases; j++) {
        const proto = j === at ? pick(ready) : blocked.length > 0 && rand() < 0.7 ? pick(blocked) : { dir: pick(["recv", "send"] as const), ch: null, v: 0 };
        cases.push({ ...proto, v: value() });
      }
      ops.push({ k: "select", cases, dflt });
      if (at >= 0) {
        const w = cases[at];
        if (w.dir === "send") doSend(w.ch!);
        else doRecv(w.ch!);
      }
    }
  }
  return { chans, ops };
}

// ---- Go translation

function goCh(i: number | null): string {
  return i === null ? "cn" : `c${i}`;
}

/** A select's shape: its case directions and whether it has a default ("rs_d": recv, send, default). */
const shapeOf = (o: Extract<GoOp, { k: "select" }>): string =>
  o.cases.map((c) => (c.dir === "recv" ? "r" : "s")).join("") + (o.dflt ? "_d" : "");

/** One Go helper per select shape: a real select statement over channel parameters (nil for a nil case). */
function goSelectHelper(shape: string): string {
  const [dirs, d] = shape.split("_");
  const params: string[] = [];
  const cases: string[] = [];
  [...dirs].forEach((dir, j) => {
    params.push(`c${j} chan int`);
    if (dir === "r") cases.push(`\tcase v, ok := <-c${j}:\n\t\tfmt.Println("select ${j}", v, ok)`);
    else {
      params.push(`v${j} int`);
      cases.push(`\tcase c${j} <- v${j}:\n\t\tfmt.Println("select ${j}")`);
    }
  });
  if (d !== undefined) cases.push(`\tdefault:\n\t\tfmt.Println("select default")`);
  return [`func sel_${shape}(${params.join(", ")}) {`, `\tdefer rec("select")`, "\tselect {", ...cases, "\t}", "}", ""].join("\n");
}

/** One op as one Go statement: a call of a helper (compiling ~10^4 closures or inline selects takes minutes). */
function goOp(o: GoOp): string {
  switch (o.k) {
    case "send": return `send(${goCh(o.ch)}, ${o.v})`;
    case "recv": return `${o.ok ? "recvOk" : "recv"}(${goCh(o.ch)})`;
    case "trysend": return `trysend(${goCh(o.ch)}, ${o.v})`;
    case "tryrecv": return `tryrecv(${goCh(o.ch)})`;
    case "close": return `closech(${goCh(o.ch)})`;
    case "len": return `fmt.Println("len", len(${goCh(o.ch)}))`;
    case "cap": return `fmt.Println("cap", cap(${goCh(o.ch)}))`;
    case "range": return `rangech(${goCh(o.ch)})`;
    case "select": {
      const args: string[] = [];
      for (const c of o.cases) {
        args.push(goCh(c.ch));
        if (c.dir === "send") args.push(String(c.v));
      }
      return `sel_${shapeOf(o)}(${args.join(", ")})`;
    }
  }
}

const GO_HELPERS = `
// rec is deferred directly, so its recover() stops a panic: Go's text after "<op> panic: ".
func rec(name string) {
	if r := recover(); r != nil {
		fmt.Printf("%s panic: %v\\n", name, r)
	}
}

func send(c chan int, v int) {
	defer rec("send")
	c <- v
	fmt.Println("send ok")
}

func recv(c chan int) { fmt.Println("recv", <-c) }

func recvOk(c chan int) {
	v, ok := <-c
	fmt.Println("recv", v, ok)
}

func trysend(c chan int, v int) {
	defer rec("trysend")
	select {
	case c <- v:
		fmt.Println("trysend true")
	default:
		fmt.Println("trysend false")
	}
}

func tryrecv(c chan int) {
	select {
	case v, ok := <-c:
		fmt.Println("tryrecv", v, ok)
	default:
		fmt.Println("tryrecv none")
	}
}

func closech(c chan int) {
	defer rec("close")
	close(c)
	fmt.Println("close ok")
}

func rangech(c chan int) {
	for v := range c {
		fmt.Println("range", v)
	}
	fmt.Println("range end")
}
`;

function goProgram(scripts: Script[]): string {
  const shapes = new Set<string>();
  for (const s of scripts) for (const o of s.ops) if (o.k === "select") shapes.add(shapeOf(o));
  const out = ["// Generated by test/go_diff.test.ts: one function per script.", "package main", "", 'import "fmt"', GO_HELPERS];
  for (const shape of [...shapes].sort()) out.push(goSelectHelper(shape));
  scripts.forEach((s, i) => {
    out.push(`func s${i}() {`);
    out.push("\tvar cn chan int");
    out.push("\t_ = cn");
    s.chans.forEach((c, j) => out.push(`\tc${j} := make(chan int, ${c.cap})`, `\t_ = c${j}`));
    for (const o of s.ops) out.push(`\t${goOp(o)}`);
    out.push("}", "");
  });
  out.push("func main() {");
  scripts.forEach((_, i) => out.push(`\tfmt.Println("=== ${i}")`, `\ts${i}()`));
  out.push("}", "");
  return out.join("\n");
}

/** The script as JS-like text, for mismatch reports. */
function showScript(s: Script): string {
  const ch = goCh;
  const op = (o: GoOp): string => {
    switch (o.k) {
      case "send": return `await ${ch(o.ch)}.send(${o.v})`;
      case "recv": return `await ${ch(o.ch)}.${o.ok ? "recvOk" : "recv"}()`;
      case "trysend": return `${ch(o.ch)}.trySend(${o.v})`;
      case "tryrecv": return `${ch(o.ch)}.tryRecv()`;
      case "close": return `${ch(o.ch)}.close()`;
      case "len": return `${ch(o.ch)}.len`;
      case "cap": return `${ch(o.ch)}.cap`;
      case "range": return `for await (const v of ${ch(o.ch)})`;
      case "select": {
        const cs = o.cases.map((c) => (c.dir === "recv" ? `recv(${c.ch === null ? "null" : ch(c.ch)})` : `send(${c.ch === null ? "null" : ch(c.ch)}, ${c.v})`));
        return `await select([${cs.join(", ")}]${o.dflt ? ", { default: true }" : ""})`;
      }
    }
  };
  return [
    ...s.chans.map((c, j) => `const c${j} = chan(${c.cap}${c.typed ? ", { codec: codecs.i32 }" : ""});   // c${j} := make(chan int, ${c.cap})`),
    ...s.ops.map((o, i) => `${String(i).padStart(3)}: ${op(o)}`),
  ].join("\n");
}

// ---- the same script on a core

/** Go's `fmt.Println` of an int received: the zero value of an untyped channel is undefined, Go's 0. */
const fmtInt = (v: unknown): string => (v === undefined ? "0" : typeof v === "number" ? String(v) : `?${typeof v}:${String(v)}`);

/** Awaits `p` if it settles within a few event-loop turns (a script op never blocks in Go). */
async function settle<T>(p: Promise<T>): Promise<{ value: T } | { error: unknown } | "blocked"> {
  let r: { value: T } | { error: unknown } | undefined;
  p.then((value) => (r = { value }), (error) => (r = { error }));
  for (let i = 0; i < 3 && r === undefined; i++) await macrotask();
  return r ?? "blocked";
}

function panicLine(lib: Lib, what: string, e: unknown): string {
  if (e instanceof lib.ChannelError) return `${what} panic: ${e.message}`;
  return `${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
}

async function runOnCore(lib: Lib, s: Script, seed: number): Promise<string[]> {
  const { chan, codecs, select, recv, send } = lib;
  lib.__seedSelect(seed);
  const chans = s.chans.map((c) => chan<number>(c.cap, c.typed ? { codec: codecs.i32 } : undefined));
  const ch = (i: number | null) => (i === null ? null : chans[i]);
  const out: string[] = [];
  for (const o of s.ops) {
    try {
      switch (o.k) {
        case "send": {
          const r = await settle(chans[o.ch].send(o.v));
          out.push(r === "blocked" ? "send BLOCKED" : "error" in r ? panicLine(lib, "send", r.error) : "send ok");
          break;
        }
        case "recv": {
          if (o.ok) {
            const r = await settle(chans[o.ch].recvOk());
            if (r === "blocked") out.push("recv BLOCKED");
            else if ("error" in r) out.push(panicLine(lib, "recv", r.error));
            else out.push(`recv ${fmtInt(r.value.value)} ${r.value.ok}`);
          } else {
            const r = await settle(chans[o.ch].recv());
            out.push(r === "blocked" ? "recv BLOCKED" : "error" in r ? panicLine(lib, "recv", r.error) : `recv ${fmtInt(r.value)}`);
          }
          break;
        }
        case "trysend":
          try {
            out.push(`trysend ${chans[o.ch].trySend(o.v)}`);
          } catch (e) {
            out.push(panicLine(lib, "trysend", e));
          }
          break;
        case "tryrecv": {
          const r = chans[o.ch].tryRecv();
          out.push(r === undefined ? "tryrecv none" : `tryrecv ${fmtInt(r.value)} ${r.ok}`);
          break;
        }
        case "close":
          try {
            chans[o.ch].close();
            out.push("close ok");
          } catch (e) {
            out.push(panicLine(lib, "close", e));
          }
          break;
        case "len":
          out.push(`len ${chans[o.ch].len}`);
          break;
        case "cap":
          out.push(`cap ${chans[o.ch].cap}`);
          break;
        case "range": {
          const c = chans[o.ch];
          const r = await settle((async () => {
            for await (const v of c) out.push(`range ${fmtInt(v)}`);
          })());
          out.push(r === "blocked" ? "range BLOCKED" : "error" in r ? panicLine(lib, "range", r.error) : "range end");
          break;
        }
        case "select": {
          const cases = o.cases.map((c) => (c.dir === "recv" ? recv(ch(c.ch)) : send(ch(c.ch), c.v)));
          const r = await settle(select(cases, o.dflt ? { default: true } : undefined));
          if (r === "blocked") out.push("select BLOCKED");
          else if ("error" in r) out.push(panicLine(lib, "select", r.error));
          else if (r.value.index < 0) out.push("select default");
          else if (o.cases[r.value.index].dir === "send") out.push(`select ${r.value.index}`);
          else out.push(`select ${r.value.index} ${fmtInt(r.value.value)} ${r.value.ok}`);
          break;
        }
      }
    } catch (e) {
      out.push(`${o.k} threw synchronously: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
    if (out[out.length - 1].endsWith("BLOCKED")) break; // the script cannot go on: Go never blocks here
  }
  for (const c of chans) c.dispose();
  return out;
}

// ---- Go

function findGo(): string | null {
  const r = spawnSync("go", ["version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Builds and runs the batch in a temp dir (standard library only, no network); one trace per script. */
function runGo(scripts: Script[]): { traces: string[][]; buildMs: number; runMs: number } {
  const dir = mkdtempSync(join(tmpdir(), "wasmchan-godiff-"));
  try {
    writeFileSync(join(dir, "main.go"), goProgram(scripts));
    const cache = process.env.GOCACHE || join(tmpdir(), "wasmchan-go-cache");
    mkdirSync(cache, { recursive: true });
    const env = {
      ...process.env,
      GOCACHE: cache,
      GOPATH: join(dir, "gopath"),
      GOTOOLCHAIN: "local",
      GO111MODULE: "off",
      GOFLAGS: "",
      GOPROXY: "off",
      CGO_ENABLED: "0",
    };
    let t = Date.now();
    const build = spawnSync("go", ["build", "-o", join(dir, "godiff"), "main.go"], { cwd: dir, env, encoding: "utf8", timeout: 300_000 });
    if (build.status !== 0) {
      throw new Error(`go build failed (${build.status ?? build.signal}):\n${build.stderr}\n${build.error ?? ""}`);
    }
    const buildMs = Date.now() - t;
    t = Date.now();
    const run = spawnSync(join(dir, "godiff"), [], { cwd: dir, encoding: "utf8", timeout: 60_000, maxBuffer: 256 << 20 });
    if (run.status !== 0) throw new Error(`the Go program failed (${run.status ?? run.signal}):\n${run.stderr}`);
    const runMs = Date.now() - t;
    const traces: string[][] = scripts.map(() => []);
    let cur = -1;
    for (const line of run.stdout.split("\n")) {
      if (line === "") continue;
      const m = /^=== (\d+)$/.exec(line);
      if (m) cur = Number(m[1]);
      else traces[cur].push(line);
    }
    return { traces, buildMs, runMs };
  } finally {
    if (process.env.WASMCHAN_GO_KEEP) console.log(`go-differential: Go program kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the suite

const goVersion = findGo();
const inCI = !!process.env.CI && process.env.CI !== "false" && process.env.CI !== "0";
if (goVersion === null && !inCI) console.warn("SKIPPED Go-differential tests: go not found");

describe("Go-differential: single-goroutine scripts, Go vs both cores", () => {
  if (goVersion === null && inCI) {
    it("needs Go in CI", () => {
      expect.fail("go not found on PATH but CI is set: .ci/run installs golang-go; the Go-differential tests must run in CI");
    });
    return;
  }

  const rand = rng(SEED);
  const scripts = Array.from({ length: SCRIPTS }, () => genScript(rand));
  let go: ReturnType<typeof runGo> | undefined;
  const compared: string[] = [];

  beforeAll(() => {
    if (goVersion !== null) go = runGo(scripts);
  }, 600_000);

  afterAll(() => {
    if (go === undefined) return;
    const ops = scripts.reduce((a, s) => a + s.ops.length, 0);
    console.log(
      `go-differential: ${compared.length === cores.length ? SCRIPTS : 0} scripts compared on ${compared.join(" and ")} ` +
      `(${ops} ops; ${goVersion}; go build ${(go.buildMs / 1000).toFixed(1)} s, run ${go.runMs} ms; seed ${SEED})`,
    );
  });

  it.skipIf(goVersion === null).each(cores.map((c) => [c.name, c.lib] as const))(
    `%s core: ${SCRIPTS} scripts give Go's trace line for line`,
    async (name, lib) => {
      const mismatches: string[] = [];
      let lines = 0;
      for (let i = 0; i < scripts.length; i++) {
        const want = go!.traces[i];
        const got = await runOnCore(lib, scripts[i], SEED + i);
        lines += want.length;
        const n = Math.max(want.length, got.length);
        let first = -1;
        for (let j = 0; j < n && first < 0; j++) if (want[j] !== got[j]) first = j;
        if (first < 0) continue;
        if (mismatches.length < 3) {
          const rows = [];
          for (let j = 0; j < n; j++) {
            rows.push(`${j === first ? ">>" : "  "}${String(j).padStart(3)}  go: ${(want[j] ?? "(none)").padEnd(36)} ${name}: ${got[j] ?? "(none)"}`);
          }
          mismatches.push(
            `script ${i} (WASMCHAN_GO_SEED=${SEED}) differs from Go at line ${first}:\n${showScript(scripts[i])}\n` +
            `--- Go's trace vs the ${name} core's:\n${rows.join("\n")}`,
          );
        } else mismatches.push("");
      }
      if (mismatches.length > 0) {
        const shown = mismatches.filter(Boolean).join("\n\n");
        const msg = `${mismatches.length} of ${scripts.length} scripts differ from Go on the ${name} core; the first ones:\n\n${shown}`;
        console.error(msg);
        expect.fail(msg);
      }
      expect(lines).toBeGreaterThan(0);
      compared.push(name);
    },
    300_000,
  );
});
