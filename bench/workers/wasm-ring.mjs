// The S5-1:1 physical floor for wasmchan's design: bench/wasm-ring/ring.ts, a bare stamped MPMC ring
// whose produce and consume loops run wholly inside Wasm (compiled here with asc on first use). 1 → 1
// only; spins on both sides, never parks.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const out = `${root}build/bench-ring.wasm`;

function module() {
  const src = `${root}bench/wasm-ring/ring.ts`;
  if (!existsSync(out) || readFileSync(out).length === 0) {
    mkdirSync(`${root}build`, { recursive: true });
    const asc = createRequire(import.meta.url).resolve("assemblyscript/bin/asc.js");
    execFileSync(process.execPath, [asc, src, "--runtime", "stub", "--importMemory", "--sharedMemory", "--maximumMemory", "16",
      "--initialMemory", "1", "--enable", "threads", "-O3", "--noAssert", "--use", "abort=", "-o", out], { cwd: root, stdio: "inherit" });
  }
  return new WebAssembly.Module(readFileSync(out));
}

const instance = (mod, memory) => new WebAssembly.Instance(mod, { env: { memory } }).exports;

export default {
  name: "wasm-ring", label: "bare stamped ring in Wasm, loops inside Wasm (this design's floor)", transport: true,
  only: ["1-1"],
  async setup({ cap }) {
    const mod = module();
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const base = 1024; // past the module's (empty) static area
    return {
      worker: () => ({ data: { mod, memory, base, cap } }),
      async consumeMain({ expect }) {
        const ex = instance(mod, memory);
        const outAt = 64;
        const orderOk = ex.consume(base, cap, expect, 0, outAt) === 1;
        const dv = new DataView(memory.buffer);
        return { count: dv.getInt32(outAt, true), sum: dv.getFloat64(outAt + 8, true), orderOk };
      },
    };
  },
  init: (role, data) => ({ ...data, ex: instance(data.mod, data.memory) }),
  async produce(s, { from, to }) {
    s.ex.produce(s.base, s.cap, from, to);
  },
};
