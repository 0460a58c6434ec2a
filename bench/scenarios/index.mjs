// Every `*.mjs` file in this folder (but this one) exports `scenarios`: an array of
//   { id, title, kind, unit, n, ... }
// kind "same-thread": { n, needs?, run(impl, n) → { messages }, runSync?(impl, n) } — run.mjs times
//   it in interleaved rounds with every impl of bench/impls/.
// any other kind: { subjects(ctx) → [{ name, label }], measure(subject, ctx) → { samples,
//   messagesPerRun, messagesVerified, note? } | { skipped: reason }, floor?: subject name }, or instead
//   of measure, measureAll(subjects, ctx) → Map(name → that result, or { error }): all of them in
//   interleaved rounds, so that the ratios of one report see the same machine load.
// Adding a scenario = adding one file (or one entry to an array).
import { readdirSync } from "node:fs";

const ORDER = ["same-thread.mjs", "batches.mjs", "memory.mjs", "workers.mjs", "nats.mjs", "pools.mjs"];

export async function loadScenarios() {
  const dir = new URL("./", import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith(".mjs") && f !== "index.mjs");
  const rank = (f) => (ORDER.includes(f) ? ORDER.indexOf(f) : ORDER.length);
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const out = [];
  for (const f of files) out.push(...(await import(new URL(f, dir))).scenarios);
  return out;
}
