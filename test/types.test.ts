// The package ships its own types: a strict user program type-checks against dist/*.d.ts (with the
// declaration files checked too), through the package's own exports map.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("published types", () => {
  // consumer.ts also proves that select narrows by case, that chan(n, codec) is typed by its codec and
  // that internals are not published: each `@ts-expect-error` there must meet an error.
  for (const [config, libs] of [["tsconfig.json", "lib DOM"], ["tsconfig.node.json", "lib ES2022 and @types/node, no DOM"]]) {
    it(`a strict consumer of wasmchan and wasmchan/pure type-checks under ${libs}`, () => {
      const tsc = `${root}node_modules/typescript/bin/tsc`;
      let out = "";
      try {
        out = execFileSync(process.execPath, [tsc, "-p", `test/fixtures/types/${config}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      } catch (e) {
        const { stdout, stderr, status } = e as { stdout?: string; stderr?: string; status?: number };
        out = `tsc exited ${status}: ${stdout ?? ""}${stderr ?? ""}`;
      }
      expect(out).toBe("");
    }, 60_000);
  }

  it("wasmchan and wasmchan/pure publish the same declarations: the Wasm core adds SharedHeap, attach and HeapStats only", () => {
    // Declarations only: each entry's own doc comments (its @module text) differ.
    const lines = (f: string) => readFileSync(`${root}dist/${f}`, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "").split("\n").filter((l) => l.trim() !== "");
    const wasm = lines("index.d.ts");
    const pure = lines("pure.d.ts");
    expect(pure.filter((l) => !wasm.includes(l))).toEqual([]);
    expect(wasm.filter((l) => !pure.includes(l))).toEqual([
      'export { SharedHeap, attach } from "./wasm/shared.js";',
      'export type { HeapStats } from "./wasm/stats.js";',
    ]);
    // Everything else both re-export is one set of files, written once.
    for (const l of pure) expect(l).toMatch(/^(import|export) .*"\.\/api\/index\.js";$|^export declare const \w+: \w+;$/);
  });

  it("the published Chan is the API and nothing else: no core hook, no internal field", () => {
    const dts = readFileSync(`${root}dist/api/chan.d.ts`, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "");
    const block = dts.slice(dts.indexOf("export declare abstract class Chan<"), dts.indexOf("\n}", dts.indexOf("export declare abstract class Chan<")));
    const members = [...block.matchAll(/^ {4}(?:abstract |readonly |get |private )*(\[?[\w.]+\]?)/gm)].map((m) => m[1]);
    expect(members.sort()).toEqual([
      "[Symbol.asyncIterator]", "cap", "close", "dispose", "len", "name", "rangeSync", "recv", "recvMany", "recvManyInto", "recvManyIntoSync", "recvManySync", "recvOk", "recvSync",
      "recvSyncOk", "send", "sendMany", "sendManySync", "sendSync", "share", "tryRecv", "trySend",
    ]);
    expect(dts).not.toMatch(/export declare function/); // the API layer's plumbing is not published
  });

  it("no @internal member of Chan (the core hooks) is reached from another module of the API layer: only through api/chan.ts (and api/batches.ts, Chan's batch operations)", () => {
    const src = (f: string) => readFileSync(`${root}src/${f}`, "utf8");
    const chan = src("api/chan.ts");
    const body = chan.slice(chan.indexOf("export abstract class Chan"), chan.indexOf("\n}\n", chan.indexOf("export abstract class Chan")));
    const hooks = [...body.matchAll(/@internal[^\n]*(?:\n\s*\*[^\n]*)*\n\s*(?:abstract |readonly )*(\w+)[(:]/g)].map((m) => m[1]).filter((h) => h !== "constructor");
    expect(hooks).toEqual(expect.arrayContaining(["check", "sendp", "recvp", "live", "selectgo", "selectableWith", "disposep"]));
    const others = ["api/arrays.ts", "api/select.ts", "api/after.ts", "api/diagnostics.ts", "api/index.ts", "api/promises.ts", "api/errors.ts", "api/codecs.ts", "index.ts", "pure.ts"];
    for (const f of others) {
      const text = src(f).replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, "");
      for (const h of hooks) expect(new RegExp(`\\.${h}\\b`).test(text), `${f} reaches Chan.${h}`).toBe(false);
    }
  });
});
