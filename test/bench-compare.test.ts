// The benchstat-style comparison of two reports: medians, delta, and a rank test that only reports a
// delta when the difference is significant.
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM without types
import { compare } from "../bench/report.mjs";
// @ts-expect-error plain ESM without types
import { rankTest } from "../bench/stats.mjs";

const report = (samples: number[]) => ({
  quick: false,
  results: [{ scenario: "S1", impl: "wasm", ok: true, unit: "ns/msg", samples }],
});
const range = (from: number, n: number, step = 1) => Array.from({ length: n }, (_, i) => from + i * step);

describe("npm run bench -- --compare old.json", () => {
  it("the rank test separates shifted samples and not interleaved ones", () => {
    expect(rankTest(range(10, 20), range(30, 20))).toBeLessThan(0.001);
    expect(rankTest(range(10, 20, 2), range(11, 20, 2))).toBeGreaterThan(0.5);
    // small samples: 3 vs 3 completely separated is p = 0.1 exactly (2 of 20 orderings), not significant
    expect(rankTest([1, 2, 3], [4, 5, 6])).toBeCloseTo(0.1, 5);
  });

  it("prints old and new medians and the delta only when significant", () => {
    const slower = compare(report(range(100, 30)), report(range(150, 30)));
    expect(slower).toMatch(/\| S1 \| wasm \| 114\.5 ns \| 164\.5 ns \| \+43\.7% \| 0\.000 \(30\+30\) \|/);
    const same = compare(report(range(100, 30, 2)), report(range(101, 30, 2)));
    expect(same).toMatch(/\| S1 \| wasm \| .* \| ~ \|/);
  });
});

describe("--compare on equal medians", () => {
  it("reports ~, not a significant +0.0%, when the medians are the same", () => {
    // Same median (100), shifted tails: the rank test may find a difference, but the median did not move.
    const a = [...range(50, 10), 100, ...range(101, 10)];
    const b = [...range(90, 10), 100, ...range(200, 10)];
    expect(rankTest(a, b)).toBeLessThan(0.05);
    const out = compare(report(a), report(b));
    expect(out).not.toMatch(/[+-]0\.0%/);
    expect(out).toMatch(/\| S1 \| wasm \| 100\.0 ns \| 100\.0 ns \| ~ \|/);
  });
});
