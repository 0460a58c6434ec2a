// npm run bench [-- --quick] [--filter REGEX] [--compare old.json]
// Runs every scenario on every implementation with tinybench, verifying each run's messages, and
// writes bench/report/REPORT.md, results.json and report.html.
import { Bench } from "tinybench";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadImpls } from "./impls/index.mjs";
import { scenarios } from "./scenarios/same-thread.mjs";
import { environment, writeReports, compare, summaryTable } from "./report.mjs";

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = flag("--quick");
const filter = option("--filter") ? new RegExp(option("--filter"), "i") : undefined;
const outDir = option("--out") ?? fileURLToPath(new URL("./report/", import.meta.url));

const impls = await loadImpls();
const results = [];
let failures = 0;
const selected = scenarios.flatMap((s) => impls
  .filter((impl) => (s.supports ? s.supports(impl) : true))
  .filter((impl) => !filter || filter.test(`${s.id} ${impl.name}`) || filter.test(s.id) || filter.test(impl.name))
  .map((impl) => [s, impl]));

let done = 0;
for (const [s, impl] of selected) {
  const n = quick ? Math.max(256, s.n >> 4) : s.n;
  let verified = 0;
  let lastError;
  const bench = new Bench({
    time: quick ? 100 : 1000,
    iterations: quick ? 5 : 20,
    warmupTime: quick ? 20 : 200,
    retainSamples: true,
  });
  bench.add(`${s.id} ${impl.name}`, async () => {
    const r = await s.run(impl, n);
    verified += r.messages;
  });
  try {
    await bench.run();
  } catch (e) {
    lastError = e;
  }
  const task = bench.tasks[0];
  const res = task.result;
  const error = lastError ?? res?.error;
  done++;
  if (error || !res?.latency) {
    failures++;
    console.error(`[${done}/${selected.length}] ${s.id} ${impl.name}: FAILED ${error?.message ?? res?.state}`);
    results.push({ scenario: s.id, title: s.title, impl: impl.name, label: impl.label, ok: false, error: String(error?.message ?? res?.state) });
    continue;
  }
  const messagesPerRun = (await s.run(impl, n)).messages; // one more verified run, for the per-message unit
  const samples = res.latency.samples.map((ms) => (ms * 1e6) / messagesPerRun); // ns per message
  results.push({
    scenario: s.id, title: s.title, impl: impl.name, label: impl.label, ok: true,
    messagesPerRun, messagesVerified: verified + messagesPerRun, samples,
  });
  const med = samples.length ? samples.slice().sort((a, b) => a - b)[samples.length >> 1] : NaN;
  console.log(`[${done}/${selected.length}] ${s.id.padEnd(5)} ${impl.name.padEnd(10)} ${med.toFixed(1).padStart(9)} ns/msg  (${samples.length} runs, ${verified + messagesPerRun} messages verified)`);
}

const report = { date: new Date().toISOString(), quick, environment: environment(), scenarios: scenarios.map(({ id, title }) => ({ id, title })), results };
mkdirSync(outDir, { recursive: true });
writeReports(outDir, report);
console.log("\n" + summaryTable(report));
console.log(`\nwrote ${outDir}REPORT.md, results.json, report.html`);
if (option("--compare")) {
  const old = JSON.parse(readFileSync(option("--compare"), "utf8"));
  console.log("\n" + compare(old, report));
}
if (failures > 0) {
  console.error(`${failures} benchmark(s) failed verification`);
  process.exitCode = 1;
}
