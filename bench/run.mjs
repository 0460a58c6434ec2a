// npm run bench [-- --quick] [--filter REGEX] [--compare old.json] [--out DIR/] [--no-go] [--no-wait]
//                [--browser | --browser-only]
// Runs the semantic probes, then every scenario (bench/scenarios/) on every implementation that can
// run it (bench/impls/, bench/workers/, and Go from bench/go/ when `go` is installed), verifying each
// run's messages, prints progress and a summary table, and writes REPORT.md, results.json and
// report.html. Exits non-zero when any run fails verification.
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadImpls } from "./impls/index.mjs";
import { loadScenarios } from "./scenarios/index.mjs";
import { runProbes, probes } from "./probes.mjs";
import { runGo } from "./go.mjs";
import { median } from "./stats.mjs";
import { environment, writeReports, compare, summaryTable, fmtUnit } from "./report.mjs";

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = flag("--quick");
const filter = option("--filter") ? new RegExp(option("--filter"), "i") : undefined;
// By default a run writes to bench/out/ (ignored by git), so the quick start leaves the tree clean;
// the report committed in bench/report/ is refreshed on purpose: --out bench/report/.
let outDir = option("--out") ?? fileURLToPath(new URL("./out/", import.meta.url));
if (!outDir.endsWith("/")) outDir += "/";
// Figures taken on a busy machine are not comparable (README, "Benchmarks"). The build that
// `npm run bench` runs first raises the load average itself: wait up to a minute for it to settle
// below LOAD_LIMIT (--no-wait: don't), then record it, and say loudly if it stayed above.
const LOAD_LIMIT = 0.5;
const { loadavg } = await import("node:os");
if (!flag("--no-wait") && !quick && loadavg()[0] >= LOAD_LIMIT) {
  process.stdout.write(`load average ${loadavg()[0].toFixed(2)}: waiting up to 60 s for it to drop below ${LOAD_LIMIT} ...`);
  for (let i = 0; i < 60 && loadavg()[0] >= LOAD_LIMIT; i++) await new Promise((r) => setTimeout(r, 1000));
  console.log(` ${loadavg()[0].toFixed(2)}`);
}
const started = Date.now();
const loadAtStart = loadavg().map((x) => +x.toFixed(2));
const loadWarning = loadAtStart[0] > LOAD_LIMIT
  ? `the load average was ${loadAtStart[0]} when this run started (above ${LOAD_LIMIT}): other work shared the machine, and these figures are not comparable with a quiet run's`
  : undefined;
if (loadWarning) console.warn(`WARNING: ${loadWarning}`);
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`.padStart(5);

const { impls, unavailable } = await loadImpls();
const scenarios = await loadScenarios();
const ctx = { quick, impls };
const notes = unavailable.map((u) => `impl file ${u.file} not loaded: ${u.reason}`);

// --browser-only: just the browser section (and its Node column), none of the Node scenarios
const browserOnly = flag("--browser-only");
const picked = (sid, name) => !browserOnly && (!filter || filter.test(`${sid} ${name}`) || filter.test(sid) || filter.test(name));

// ---- plan: which (scenario, subject) pairs run; the floor of a scenario always runs with it ----
const plan = [];
for (const s of scenarios) {
  const subjects = s.kind === "same-thread" ? impls : await s.subjects(ctx);
  const floorName = s.floor ?? "floor";
  const chosen = subjects.filter((x) => picked(s.id, x.name));
  if (chosen.length && !chosen.some((x) => x.name === floorName)) {
    const floor = subjects.find((x) => x.name === floorName);
    if (floor) chosen.unshift(floor);
  }
  for (const x of chosen) plan.push([s, x]);
}
const goWanted = !flag("--no-go") && scenarios.some((s) => picked(s.id, "go"));

// ---- semantic probes ----
const probeImpls = browserOnly ? [] : impls.filter((i) => !i.sync && (!filter || filter.test(i.name) || plan.some(([, x]) => x === i)));
const probeResults = {};
if (probeImpls.length) console.log(`semantic probes (${probes.length} per library):`);
for (const impl of probeImpls) {
  probeResults[impl.name] = await runProbes(impl);
  const failed = Object.entries(probeResults[impl.name]).filter(([, r]) => r.status === "fail").map(([id]) => id);
  console.log(`  ${impl.name.padEnd(15)} ${failed.length ? `FAILS ${failed.join(", ")}` : "passes all"}`);
}

// ---- Go reference ----
let go;
if (goWanted) {
  process.stdout.write(`${elapsed()} Go reference (bench/go) ... `);
  go = await runGo({ quick });
  console.log(go.error ? `skipped: ${go.error}` : `${go.goVersion}, ${Object.keys(go.results).length} scenarios`);
  if (go.error) notes.push(`Go reference skipped: ${go.error}`);
}
if (go && !go.error) {
  for (const s of scenarios) if (go.results[s.id] && picked(s.id, "go")) plan.push([s, { name: "go", label: `Go ${go.goVersion} (reference)`, go: true }]);
  plan.sort((a, b) => scenarios.indexOf(a[0]) - scenarios.indexOf(b[0]));
}

// ---- a watchdog per run ----
function watchdog(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 1000} s (a lost message leaves a receiver waiting forever)`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// ---- same-thread scenarios: every implementation in interleaved rounds ----
// Each round runs every implementation once, in an order that rotates from round to round, so that a
// machine that slows down or speeds up during the scenario moves all of them alike: their ratios, not
// their absolute times, are what the report compares.

function sameThreadRunner(s, impl) {
  if (impl.sync) {
    if (!s.runSync) return { skipped: "no synchronous form of this scenario" };
  } else {
    for (const need of s.needs ?? []) {
      const why = impl.cannot?.(need);
      if (why) return { skipped: why };
    }
    if ((s.needs ?? []).includes("select") && !impl.select) return { skipped: "no select" };
  }
  const n = quick ? Math.max(128, s.n >> 5) : s.n;
  return impl.sync ? () => s.runSync(impl, n) : () => watchdog(s.run(impl, n), quick ? 10_000 : 30_000, `${s.id} on ${impl.name}`);
}

const minorGC = typeof globalThis.gc === "function" ? globalThis.gc : undefined;

async function measureSameThreadAll(s, subjects) {
  const out = new Map();
  const live = [];
  for (const x of subjects) {
    const runOnce = sameThreadRunner(s, x);
    if (typeof runOnce !== "function") {
      out.set(x.name, runOnce);
      continue;
    }
    try {
      const first = await runOnce(); // one verified run first: fails fast and gives the per-run count
      live.push({ x, runOnce, messagesPerRun: first.messages, verified: first.messages, samples: [] });
    } catch (e) {
      out.set(x.name, { error: e });
    }
  }
  const warmup = quick ? 1 : 5;
  const minRounds = quick ? 3 : 20;
  const budget = (quick ? 30 : 1000) * live.length; // ms: about what one implementation alone used to get
  const started = performance.now();
  for (let round = 0; live.length > 0 && (round < warmup + minRounds || performance.now() - started < budget); round++) {
    for (let j = 0; j < live.length; j++) {
      const m = live[(j + round) % live.length];
      if (m.error) continue;
      try {
        // Young garbage left by the implementation before this one would be collected during this
        // run, on this one's clock: clear it first (npm run bench passes --expose-gc).
        if (minorGC !== undefined) minorGC({ type: "minor" });
        const t = performance.now();
        const r = await m.runOnce();
        const ms = performance.now() - t;
        if (r.messages !== m.messagesPerRun) throw new Error(`verification failed: ${r.messages} messages, expected ${m.messagesPerRun}`);
        m.verified += r.messages;
        if (round >= warmup) m.samples.push((ms * 1e6) / m.messagesPerRun);
      } catch (e) {
        m.error = e;
      }
    }
  }
  for (const m of live) {
    out.set(m.x.name, m.error ? { error: m.error } : { samples: m.samples, messagesPerRun: m.messagesPerRun, messagesVerified: m.verified });
  }
  return out;
}

// ---- scenarios that measure all their subjects at once, in interleaved rounds (measureAll) ----
const together = new Map();
async function measuredTogether(s, x) {
  if (!together.has(s)) {
    const subjects = plan.filter(([t, y]) => t === s && !y.go).map(([, y]) => y);
    process.stdout.write(` (all ${subjects.length} in turns) `);
    together.set(s, s.kind === "same-thread"
      ? await measureSameThreadAll(s, subjects)
      : await s.measureAll(subjects, { ...ctx, progress: (msg) => process.stdout.write(msg) }));
  }
  return together.get(s).get(x.name);
}

// ---- run the plan ----
const results = [];
let failures = 0;
let done = 0;
for (const [s, x] of plan) {
  done++;
  const head = `${elapsed()} [${String(done).padStart(String(plan.length).length)}/${plan.length}] ${s.id.padEnd(8)} ${x.name.padEnd(16)}`;
  process.stdout.write(head);
  const base = { scenario: s.id, title: s.title, unit: s.unit, impl: x.name, label: x.label };
  let r;
  try {
    if (x.go) r = go.results[s.id];
    else if (s.kind === "same-thread") r = await measuredTogether(s, x);
    else if (s.measureAll) r = await measuredTogether(s, x);
    else r = await s.measure(x, { ...ctx, progress: (msg) => process.stdout.write(msg) });
    if (r?.error) throw r.error;
  } catch (e) {
    failures++;
    const error = String(e?.message ?? e).split("\n")[0];
    console.log(` FAILED: ${error}`);
    results.push({ ...base, ok: false, status: "failed", error });
    continue;
  }
  if (r.skipped) {
    console.log(` n/a: ${r.skipped}`);
    results.push({ ...base, ok: false, status: "skipped", skipped: r.skipped });
    continue;
  }
  results.push({ ...base, ok: true, status: "ok", ...r });
  console.log(` ${fmtUnit(median(r.samples), s.unit).padStart(10)}  (${r.samples.length} runs, ${r.messagesVerified} verified)`);
}

// ---- browsers (--browser): the cross-worker transports and same-thread scenarios in Chromium and
// Firefox, and the same harness on Node's main thread, after everything else
let browser;
if (flag("--browser") || browserOnly) {
  const { runBrowserBench } = await import("./browser/index.mjs");
  const { browserFailures } = await import("./browser/report.mjs");
  console.log(`${elapsed()} browsers (bench/browser/): Node, Chromium, Firefox, the same harness`);
  try {
    browser = await runBrowserBench({ quick, progress: (t) => console.log(`${elapsed()}   ${t}`) });
    for (const f of browserFailures(browser)) {
      failures++;
      console.log(`  FAILED: ${f}`);
    }
    for (const m of browser.missing) notes.push(`browser bench: ${m} not found on this machine (apt-get install chromium firefox-esr)`);
  } catch (e) {
    failures++;
    console.log(`  browser bench FAILED: ${e?.stack ?? e}`);
  }
}

notes.push(`load average at the start of the run: ${loadAtStart.join(" ")} on ${environment().cores} cores (others may share this machine)`);
const report = {
  date: new Date().toISOString(), quick, argv: args,
  environment: environment(go),
  scenarios: scenarios.map(({ id, title, kind, unit, floor, description }) => ({ id, title, kind, unit, floor: floor ?? "floor", description })),
  probes: { list: probes.map(({ id, title }) => ({ id, title })), results: probeResults },
  loadAtStart, loadWarning,
  notes,
  results,
  browser,
};
mkdirSync(outDir, { recursive: true });
writeReports(outDir, report);
console.log("\n" + summaryTable(report));
console.log(`\n${elapsed()} wrote ${outDir}REPORT.md, results.json, report.html`);
if (option("--compare")) {
  const old = JSON.parse(readFileSync(option("--compare"), "utf8"));
  console.log("\n" + compare(old, report));
}
if (failures > 0) {
  console.error(`${failures} benchmark(s) failed`);
  process.exitCode = 1;
}
// worker threads of a failed run may still hold the event loop
setTimeout(() => process.exit(), 100).unref();
