// The package as users get it: `npm pack`'s tarball and a clone, each installed into a fresh folder,
// imported (ESM and require), run, and type-checked by a strict consumer under both lib settings.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const work = mkdtempSync(join(tmpdir(), "wasmchan-pack-"));

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}
let packed: Packed;

// Scripts are off wherever npm would run `prepare` (a rebuild of dist/ while other test files use it):
// `npm test` built dist/ already, and prepare is exercised by .ci/run's `npm ci`.
const run = (args: string[], cwd: string) =>
  execFileSync(npm, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });

/** A fresh project in `dir` with wasmchan installed from `spec`, a user program, and its types. */
function project(dir: string, spec: string): void {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", type: "module", private: true }));
  run(["install", "--no-audit", "--no-fund", "--offline", "--ignore-scripts", spec], dir);
  cpSync(join(root, "test/fixtures/types/consumer.ts"), join(dir, "consumer.ts"));
  for (const [name, lib, types] of [["tsconfig.json", ["ES2022", "DOM"], []], ["tsconfig.node.json", ["ES2022"], ["node"]]] as const) {
    writeFileSync(join(dir, name), JSON.stringify({
      compilerOptions: {
        target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, lib, types,
        typeRoots: [join(root, "node_modules/@types")], skipLibCheck: false,
      },
      files: ["consumer.ts"],
    }));
  }
  writeFileSync(join(dir, "main.mjs"), `
    import { chan, codecs, SharedHeap } from "wasmchan";
    import { chan as pureChan } from "wasmchan/pure";
    import { createRequire } from "node:module";
    const c = chan(2, codecs.i32);
    await c.send(41);
    const pc = pureChan(1);
    await pc.send("x");
    const heap = await SharedHeap.create({ maxBytes: 1 << 20 });
    const s = heap.chan(1, codecs.f64);
    s.trySend(0.5);
    const cjs = createRequire(import.meta.url)("wasmchan");
    const version = createRequire(import.meta.url)("wasmchan/package.json").version;
    console.log(JSON.stringify([await c.recv() + 1, await pc.recv(), s.tryRecv().value, typeof cjs.chan, version]));
  `);
}

/** tsc's output for each lib setting: "" only when it exited 0 and said nothing. */
function typecheck(dir: string): string[] {
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  return ["tsconfig.json", "tsconfig.node.json"].map((config) => {
    try {
      return execFileSync(process.execPath, [tsc, "-p", config], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const { stdout, stderr, status } = e as { stdout?: string; stderr?: string; status?: number };
      return `tsc exited ${status}: ${stdout ?? ""}${stderr ?? ""}` || String(e);
    }
  });
}

beforeAll(() => {
  [packed] = JSON.parse(run(["pack", "--json", "--ignore-scripts", "--pack-destination", work], root)) as Packed[];
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the package", () => {
  it("ships dist/ (code, types, self-contained source maps), the README and the LICENSE, and nothing else", () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const f of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/pure.js", "dist/pure.d.ts", "dist/generated/wasm.js"]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => !/^dist\//.test(f) && !["package.json", "README.md", "LICENSE"].includes(f))).toEqual([]);
    expect(files).not.toContain("dist/generated/wasm.js.map"); // the core's base64 once, not twice
    // Source maps carry their sources (src/ is not shipped).
    const map = JSON.parse(readFileSync(`${root}dist/index.js.map`, "utf8")) as { sourcesContent?: string[] };
    expect(map.sourcesContent?.[0]).toContain("export const chan");
    // The core's type is a string, not 20 kB of base64 as a literal type.
    expect(readFileSync(`${root}dist/generated/wasm.d.ts`, "utf8").length).toBeLessThan(200);
    // A guard against bloat, not a budget reached: ~290 kB packed / 1.0 MB unpacked with wasmchan/pool
    // and wasmchan/nats, about half of it source maps carrying their sources.
    expect(packed.size).toBeLessThan(350_000);
    expect(packed.unpackedSize).toBeLessThan(1_200_000);
  });

  it("package.json: exports with types for both entries and ./package.json, prepare builds, license file present", () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
    expect(pkg.exports["."].types).toBe("./dist/index.d.ts");
    expect(pkg.exports["./pure"].types).toBe("./dist/pure.d.ts");
    expect(pkg.exports["./package.json"]).toBe("./package.json");
    expect(pkg.scripts.prepare).toBe("npm run build");
    expect(pkg.license).toBe("MIT");
    expect(readFileSync(`${root}LICENSE`, "utf8")).toMatch(/^MIT License/);
    expect(pkg.keywords).toContain("channels");
  });

  for (const [how, spec] of [["from the tarball", () => join(work, packed.filename)], ["from a clone (a folder)", () => root]] as const) {
    it(`installed ${how} into a fresh folder: import, require and types work`, () => {
      const dir = mkdtempSync(join(work, "app-"));
      project(dir, spec());
      const out = execFileSync(process.execPath, ["main.mjs"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
      expect(JSON.parse(out)).toEqual([42, "x", 0.5, "function", JSON.parse(readFileSync(`${root}package.json`, "utf8")).version]);
      expect(typecheck(dir)).toEqual(["", ""]);
    }, 120_000);
  }
});
