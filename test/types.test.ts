// The package ships its own types: a strict user program type-checks against dist/*.d.ts (with the
// declaration files checked too), through the package's own exports map.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("published types", () => {
  it("a strict consumer of wasmchan and wasmchan/pure type-checks", () => {
    const tsc = `${root}node_modules/typescript/bin/tsc`;
    let out = "";
    try {
      out = execFileSync(process.execPath, [tsc, "-p", "test/fixtures/types/tsconfig.json"], { cwd: root, encoding: "utf8" });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(out).toBe("");
  }, 60_000);
});
