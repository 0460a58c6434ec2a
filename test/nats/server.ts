// A nats-server of the tests' own: JetStream on, loopback only, a free port, a temporary store; killed
// at the end. Absent binary: the suites skip and say so (CI installs it, and fails without it).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NATS_SERVER = process.env.NATS_SERVER ?? "nats-server";
export const haveNats = spawnSync(NATS_SERVER, ["--version"], { stdio: "ignore" }).status === 0;
if (!haveNats) {
  if (process.env.CI) throw new Error(`the NATS tests need ${NATS_SERVER} (.ci/run installs Debian's nats-server)`);
  console.warn(`SKIPPED NATS tests: no ${NATS_SERVER} on PATH (apt-get install nats-server, or set NATS_SERVER)`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Server {
  url: string;
  stop(): Promise<void>;
  /** Stops it and starts it again on the same port and store (a server restart). */
  restart(): Promise<void>;
}

export async function startNats(): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "wasmchan-nats-"));
  let proc: ChildProcess;
  const url = `nats://127.0.0.1:${port}`;
  const launch = async () => {
    proc = spawn(NATS_SERVER, ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir], { stdio: "ignore" });
    const { connect } = await import("@nats-io/transport-node");
    for (let i = 0; ; i++) {
      try {
        const nc = await connect({ servers: url, reconnect: false });
        await nc.close();
        return;
      } catch (e) {
        if (i > 100) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const kill = () => new Promise<void>((resolve) => {
    const p = proc; // this one: after a restart `proc` is the new server
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    const hard = setTimeout(() => p.kill("SIGKILL"), 3000);
    p.once("exit", () => {
      clearTimeout(hard);
      resolve();
    });
    p.kill("SIGTERM");
  });
  await launch();
  return {
    url,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await kill();
      await launch();
    },
  };
}
