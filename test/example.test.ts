// The README's example runs as a user would run it, and prints what the README implies.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("README example", () => {
  it("is examples/workers.mjs, and it runs", () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const example = readFileSync(`${root}examples/workers.mjs`, "utf8");
    expect(readme).toContain(example);
    const out = execFileSync(process.execPath, ["examples/workers.mjs"], { cwd: root, encoding: "utf8", timeout: 20_000 });
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(5);
    const squares = lines.slice(0, 4).map((l) => /: (\d+) squared is (\d+)$/.exec(l)!.slice(1).map(Number));
    expect(squares.map(([n]) => n).sort()).toEqual([1, 2, 3, 4]);
    for (const [n, sq] of squares) expect(sq).toBe(n * n);
    expect(lines[4]).toBe("timed out");
  });

  it("examples/pool/main.mjs runs: every result paired with its task, a failing task rejects alone", () => {
    const out = execFileSync(process.execPath, ["examples/pool/main.mjs"], { cwd: root, encoding: "utf8", timeout: 60_000 });
    expect(out.trim().split("\n")).toEqual(["10000 results, each for its task: true", "a task that throws rejects alone: TaskError (TypeError)"]);
  });
});
