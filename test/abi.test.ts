// The ABI between the core (assembly/) and the bindings (src/): the compiled modules export exactly the
// functions the bindings declare, and the layout's static facts (sizes, alignment, cache-line
// separation, the value-slot contract) hold. Both sides read one src/abi/layout.ts; this checks that file.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { chan, codecs, SharedHeap } from "wasmchan";
// @ts-expect-error: internal modules of the build, no published types
import * as L from "../dist/abi/layout.js";
// @ts-expect-error: internal modules of the build, no published types
import { CORE_FUNCTIONS } from "../dist/wasm/heap.js";
// @ts-expect-error: internal modules of the build, no published types
import { LAYOUT_HASH } from "../dist/generated/layout-hash.js";

const layout = L as Record<string, number>;
const LINE = 64;

/** The constants of layout.ts whose names start with `prefix`, as [name, value]. */
function fields(prefix: string): [string, number][] {
  return Object.entries(layout).filter(([k]) => k.startsWith(prefix));
}

describe("the core's exports are the bindings' declarations", () => {
  for (const flavour of ["shared", "local"]) {
    it(`build/core.${flavour}.wasm exports exactly CORE_FUNCTIONS, and imports its memory (and, shared, the lock's clock and pause)`, () => {
      const module = new WebAssembly.Module(readFileSync(new URL(`../build/core.${flavour}.wasm`, import.meta.url)));
      const exports = WebAssembly.Module.exports(module);
      expect(exports.every((e) => e.kind === "function")).toBe(true);
      expect(exports.map((e) => e.name).sort()).toEqual([...(CORE_FUNCTIONS as string[])].sort());
      const imports = WebAssembly.Module.imports(module).map((i) => `${i.name}:${i.kind}`).sort();
      expect(imports).toEqual(flavour === "shared" ? ["memory:memory", "now:function", "pause:function"] : ["memory:memory"]);
    });
  }

  it("the heap's layout hash is the one compiled into the bindings, and changes with layout.ts", () => {
    const text = readFileSync(new URL("../src/abi/layout.ts", import.meta.url), "utf8");
    let h = 0x811c9dc5;
    for (const b of Buffer.from(text.replace(/\r\n/g, "\n"))) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    expect(LAYOUT_HASH >>> 0).toBe(h || 1);
  });
});

describe("layout facts", () => {
  it("heap header words lie below MEMORY_BASE, do not overlap, and the grow epoch owns its cache line", () => {
    const words = fields("H_").map(([k, v]) => [k, v, k === "H_FREE" ? 4 * L.NCLASSES : k === "H_UID" ? 4 : 4] as const);
    words.push(["HEADER", L.HEADER, 0]);
    for (const [name, at, size] of words) {
      expect(at % 4, name).toBe(0);
      expect(at + size, name).toBeLessThanOrEqual(L.MEMORY_BASE);
      expect(at, name).toBeGreaterThanOrEqual(L.HEADER);
    }
    const spans = words.filter(([, , size]) => size > 0).map(([n, a, s]) => [n, a, a + s] as const).sort((x, y) => x[1] - y[1]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][1], `${spans[i - 1][0]} overlaps ${spans[i][0]}`).toBeGreaterThanOrEqual(spans[i - 1][2]);
    const epochLine = Math.floor(L.H_GROW_EPOCH / LINE);
    for (const [name, at] of words) if (name !== "H_GROW_EPOCH") expect(Math.floor(at / LINE), name).not.toBe(epochLine);
    expect(L.MEMORY_BASE % LINE).toBe(0);
  });

  it("every hchan, sudog, thread and case field lies inside its record; the ring and elem areas are 8-aligned", () => {
    const within = (prefix: string, size: number, except: string[] = []) => {
      const fs = fields(prefix).filter(([k]) => !except.includes(k));
      const offsets = fs.map(([, v]) => v);
      expect(new Set(offsets).size, `${prefix} fields are distinct`).toBe(offsets.length);
      for (const [k, v] of fs) {
        expect(v % 4, k).toBe(0);
        expect(v + 4, k).toBeLessThanOrEqual(size);
      }
    };
    within("C_", L.HCHAN_SIZE, ["C_TAIL_SHARED"]); // unshared memory's header
    within("C_", L.HCHAN_SHARED_SIZE, ["C_TAIL"]); // shared memory's
    // Shared memory: the read-mostly fields share the first line; the two ring positions (u64s) have
    // a line each, so senders and receivers that both find room and values never write the same line.
    for (const [k, v] of fields("C_")) if (!["C_HEAD", "C_TAIL", "C_TAIL_SHARED"].includes(k)) expect(v + 4, k).toBeLessThanOrEqual(LINE);
    expect(L.C_HEAD % LINE).toBe(0);
    expect(L.C_TAIL_SHARED % LINE).toBe(0);
    expect(L.C_TAIL_SHARED - L.C_HEAD).toBeGreaterThanOrEqual(LINE);
    expect(L.HCHAN_SHARED_SIZE - L.C_TAIL_SHARED).toBe(LINE);
    expect(L.C_TAIL - L.C_HEAD).toBe(8);
    expect(L.HCHAN_SHARED_SIZE % LINE).toBe(0);
    // The flags and the lap of a position's high word do not overlap.
    expect(L.P_HOLD & L.P_CLOSED).toBe(0);
    expect((L.P_HOLD | L.P_CLOSED) & L.P_LAP).toBe(0);
    expect((L.P_HOLD | L.P_CLOSED | L.P_LAP) >>> 0).toBe(0xffffffff);
    within("S_", L.S_ELEM + 4, ["S_ELEM"]);
    within("T_", L.T_SIZE, ["T_SIZE"]);
    within("K_", L.CASE_SIZE);
    expect(L.HCHAN_SIZE % 8).toBe(0); // the ring follows the header
    expect(L.S_ELEM % 8).toBe(0); // a sudog's elem area
    expect(L.T_SIZE).toBeLessThanOrEqual(LINE); // a thread context owns one line
    expect(L.MAX_RING_BYTES + L.HCHAN_SHARED_SIZE + 2 * LINE).toBeLessThanOrEqual(L.MAX_BLOCK);
  });

  it("the value-slot contract: every codec's slot is a size the core takes (1, 2, 4 or a multiple of 8) and a multiple of its alignment, so slot j of any 8-aligned base is aligned", async () => {
    const F = ["i32", "u32", "f64", "i64", "bool"] as const;
    const structs = [
      ...F.map((t) => codecs.struct({ a: t })),
      ...F.flatMap((t) => F.map((u) => codecs.struct({ a: t, b: u, c: "bool" }))),
      codecs.struct({ a: "bool", b: "bool" }), codecs.struct({ a: "bool", b: "bool", c: "bool" }),
      codecs.struct(Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`f${i}`, F[i % 5]]))),
    ];
    const all = [codecs.i32, codecs.u32, codecs.f64, codecs.i64, codecs.bool, ...structs,
      ...[0, 1, 3, 4, 5, 7, 8, 9, 63, 1000, 65535].flatMap((n) => [codecs.bytes(n), codecs.string(n), codecs.json(n)])];
    const heap = await SharedHeap.create();
    for (const c of all) {
      expect([1, 4, 8], c.name).toContain(c.align);
      expect(c.size % c.align, c.name).toBe(0);
      expect(c.size === 1 || c.size === 2 || c.size === 4 || c.size % 8 === 0, `${c.name}: ${c.size} bytes`).toBe(true);
      heap.chan(2, c as never).dispose(); // the core takes it
      chan(2, { codec: c as never }).dispose();
      for (let j = 0; j < 17; j++) expect((8 * 1000 + j * c.size) % c.align, `${c.name} slot ${j}`).toBe(0);
    }
    expect(() => codecs.bytes(L.MAX_BLOCK)).toThrow(RangeError);
  });
});
