// npm run test:bun / test:deno: the whole vitest suite run by Bun or Deno instead of Node. The runtime
// comes from npm (packages `bun` and `deno` ship their binaries), installed once into build/runtimes/
// so the project's own dependencies stay as package-lock.json says. Suites that cannot run on that
// runtime skip themselves and print why (test/util.ts, skipOn).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const RUNTIMES = { bun: "1.4.5", deno: "2.9.6" };
const name = process.argv[2];
if (!(name in RUNTIMES)) throw new Error(`usage: node scripts/test-on.mjs ${Object.keys(RUNTIMES).join("|")} [vitest args]`);
const root = fileURLToPath(new URL("..", import.meta.url));
const dir = `${root}build/runtimes/`;
const bin = `${dir}node_modules/.bin/${name}`;
if (!existsSync(bin)) {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(`${dir}package.json`)) writeFileSync(`${dir}package.json`, JSON.stringify({ name: "wasmchan-runtimes", private: true }));
  execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", ["install", "--no-audit", "--no-fund", `${name}@${RUNTIMES[name]}`], { cwd: dir, stdio: "inherit" });
}
const vitest = `${root}node_modules/vitest/vitest.mjs`;
const args = name === "bun" ? ["--bun", vitest, "run", ...process.argv.slice(3)] : ["run", "-A", vitest, "run", ...process.argv.slice(3)];
const version = execFileSync(bin, ["--version"], { encoding: "utf8" }).trim().split("\n")[0];
console.log(`${version.startsWith(name) ? version : `${name} ${version}`}: vitest run`);
const r = spawnSync(bin, args, { cwd: root, stdio: "inherit" });
process.exitCode = r.status ?? 1;
