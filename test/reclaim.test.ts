// No leaks by construction: channels and their parked operations are reclaimed once unreachable, and
// the sudog pool stays bounded. Each scenario runs in a child process with --expose-gc.
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { cores } from "./cores.js";
import { entryOf, runtimeArgs, skipOn } from "./util.js";

const fixture = fileURLToPath(new URL("./fixtures/reclaim.mjs", import.meta.url));

function run(core: string, scenario: string) {
  const out = execFileSync(process.execPath, [...runtimeArgs(fixture, { gc: true }), pathToFileURL(entryOf(core)).href, scenario], {
    encoding: "utf8", timeout: 120_000,
  });
  const lines = out.trim().split("\n").map((l) => JSON.parse(l));
  return Object.assign({}, ...lines);
}

// JavaScriptCore's collector scans stacks conservatively and collects when it sees fit: after gc() a
// dropped channel with a parked op (a Promise, its resolvers, a closure) may stay alive for a while.
const bunGc = (): boolean => skipOn(["bun"], "Bun's garbage collector (JavaScriptCore, conservative) does not promptly collect dropped channels with parked operations; reclamation is checked on V8 (Node, Deno)");

describe.each(cores)("$name core: memory reclaims itself", ({ name }) => {
  it("1M channels created and dropped return linear memory and the JS heap to baseline", () => {
    const { before, peak, after } = run(name, "channels");
    expect(after.channels).toBe(before.channels);
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(2 << 20);
    expect(peak.heapUsed).toBeGreaterThan(0);
  }, 150_000);

  it.skipIf(bunGc())("100k channels each with a parked receiver, dropped, are reclaimed with their receivers", () => {
    const { before, peak, after } = run(name, "parked");
    expect(peak.channels - before.channels).toBeGreaterThan(0); // they did exist
    expect(after.channels).toBe(before.channels);
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(2 << 20);
  }, 150_000);

  it.skipIf(bunGc())("the sudog pool stays bounded after bursts of parked receivers", () => {
    const { rounds, before, after } = run(name, "pool");
    // Only the one channel stays in use; the burst's sudogs are freed or pooled for reuse.
    expect(after.channels).toBe(before.channels + 1);
    expect(after.parkedReceivers).toBe(0);
    // 60k ops parked in all: anything kept per op would be several MB. (V8's old space varies by a
    // MB or so from run to run after bursts like these, hence the margin.)
    expect(after.heapUsed - before.heapUsed).toBeLessThan(4 << 20);
    if (after.pooledSudogs !== undefined) {
      expect(after.pooledSudogs).toBeLessThanOrEqual(4096); // SUDOG_POOL_MAX
      // Bursts after the first reuse memory: the footprint does not grow.
      expect(rounds[2].bytesReserved).toBe(rounds[0].bytesReserved);
    }
  }, 150_000);
});
