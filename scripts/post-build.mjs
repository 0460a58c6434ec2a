// After tsc: the generated module that embeds the core as base64 gets no source map (its map would
// carry the 40 kB of base64 a second time, and there is nothing to step through).
import { readFileSync, rmSync, writeFileSync } from "node:fs";

const js = new URL("../dist/generated/wasm.js", import.meta.url);
writeFileSync(js, readFileSync(js, "utf8").replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n"));
rmSync(new URL("../dist/generated/wasm.js.map", import.meta.url), { force: true });
