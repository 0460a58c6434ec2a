import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import the built package (dist/), exactly as users do: run `npm run build` first.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^wasmchan\/pure$/, replacement: fileURLToPath(new URL("./dist/pure.js", import.meta.url)) },
      { find: /^wasmchan$/, replacement: fileURLToPath(new URL("./dist/index.js", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
  },
});
