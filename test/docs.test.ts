// The API reference (docs/api/, `npm run docs`, TypeDoc over the doc comments) covers what the package
// exports: every value and every type of both entry points has its page or its entry there.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const docs = `${root}docs/api/`;

/** Every Markdown file under `dir`, as text. */
function texts(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".md"))
    .map((e) => readFileSync(`${e.parentPath}/${e.name}`, "utf8"))
    .join("\n");
}

describe("docs/api", () => {
  it("documents every export of wasmchan and wasmchan/pure, codecs included, and the README links it", async () => {
    expect(existsSync(`${docs}README.md`)).toBe(true);
    const all = texts(docs);
    const names = new Set<string>();
    for (const entry of ["index", "pure"]) {
      for (const k of Object.keys(await import(`${root}dist/${entry}.js`))) names.add(k);
      const dts = readFileSync(`${root}dist/${entry}.d.ts`, "utf8") + readFileSync(`${root}dist/api/index.d.ts`, "utf8");
      for (const m of dts.matchAll(/export (?:type )?\{([^}]*)\}/g)) for (const n of m[1].split(",")) names.add(n.trim().replace(/^type /, ""));
      for (const m of dts.matchAll(/export (?:declare )?(?:interface|const|class|function|type) (\w+)/g)) names.add(m[1]);
    }
    names.delete("");
    const missing = [...names].filter((n) => !new RegExp(`# (Abstract Class|Class|Interface|Function|Variable|Type Alias): ${n.replace(/_/g, "\\\\_")}\\b|### ${n}\\b`).test(all));
    expect(missing).toEqual([]);
    expect(names.size).toBeGreaterThan(25);
    // codecs: each of its members with its doc comment
    const codecs = readFileSync(`${docs}wasmchan/variables/codecs.md`, "utf8");
    for (const k of ["i32", "u32", "f64", "i64", "bool", "bytes", "string", "json"]) expect(codecs).toMatch(new RegExp(`### ${k}`));
    expect(codecs).toContain("32-bit signed integers");
    expect(readFileSync(`${root}README.md`, "utf8")).toContain("](docs/api/README.md)");
  });
});
