// The Go reference: runs bench/go (go run, GOTOOLCHAIN=local) and reads its JSON. Skipped, with the
// reason, when `go` is not on the PATH or the program fails.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export function runGo({ quick }) {
  const dir = fileURLToPath(new URL("./go/", import.meta.url));
  return new Promise((resolve) => {
    execFile("go", ["run", ".", ...(quick ? ["-quick"] : [])], {
      cwd: dir, env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" }, maxBuffer: 64 << 20, timeout: 600_000,
    }, (err, stdout, stderr) => {
      if (err) {
        const why = err.code === "ENOENT" ? "`go` is not on the PATH" : `go run failed: ${String(stderr || err.message).trim().split("\n").slice(-2).join(" ")}`;
        resolve({ error: why });
        return;
      }
      try {
        const out = JSON.parse(stdout);
        resolve({ goVersion: out.goVersion, results: out.results });
      } catch (e) {
        resolve({ error: `unreadable output from bench/go: ${e.message}` });
      }
    });
  });
}
