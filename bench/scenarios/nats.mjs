// S7, across processes over NATS: one producer process → one consumer process, through wasmchan/nats
// (toNats → fromNats) and, on the same payloads, the bare JetStream client (one publish at a time, and
// 256 in flight; acknowledging each message) and core NATS publish/subscribe (no persistence). Each
// run starts a fresh subject; both processes connect and set up, then the clock runs from "go" until
// the consumer has verified every value (count, sum, order). Needs `nats-server` (started here, on a
// free loopback port, killed at the end).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PEER = new URL("../nats/peer.mjs", import.meta.url).pathname;
const haveServer = () => spawnSync("nats-server", ["--version"], { stdio: "ignore" }).status === 0;

const SUBJECTS = [
  { name: "bridge", label: "wasmchan/nats: toNats → fromNats (capacity 1024, credit 256)" },
  { name: "jetstream", label: "bare JetStream client: await each publish; consume, ack each" },
  { name: "jetstream-pipelined", label: "bare JetStream client: 256 publishes in flight; consume, ack each" },
  { name: "core", label: "core NATS publish/subscribe (not persisted, no acks)" },
];

async function startServer() {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const dir = mkdtempSync(join(tmpdir(), "wasmchan-s7-"));
  const proc = spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir], { stdio: "ignore" });
  const { connect } = await import("@nats-io/transport-node");
  for (let i = 0; ; i++) {
    try { await (await connect({ servers: `127.0.0.1:${port}`, reconnect: false })).close(); break; } catch (e) { if (i > 100) throw e; await new Promise((r) => setTimeout(r, 50)); }
  }
  return { url: `nats://127.0.0.1:${port}`, stop: () => { proc.kill("SIGKILL"); rmSync(dir, { recursive: true, force: true }); } };
}

function peer(url, impl, role, subject, codec, n) {
  const p = spawn(process.execPath, [PEER, url, impl, role, subject, codec, String(n)], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  let readyResolve;
  const ready = new Promise((r) => { readyResolve = r; });
  p.stdout.on("data", (d) => {
    out += d.toString();
    if (out.includes("ready\n")) readyResolve();
  });
  const exited = new Promise((resolve, reject) => p.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${impl} ${role} exited with ${code}`)))));
  return { ready, exited, go: () => p.stdin.end("go\n") };
}

let runs = 0;
async function runOnce(url, impl, codec, n) {
  const subject = `s7.r${process.pid}x${runs++}`;
  const recv = peer(url, impl, "recv", subject, codec, n);
  await recv.ready;
  const send = peer(url, impl, "send", subject, codec, n);
  await send.ready;
  recv.go();
  send.go();
  const [out] = await Promise.all([recv.exited, send.exited]);
  const r = JSON.parse(out.trim().split("\n").pop());
  if (r.count !== n || r.sum !== (n * (n - 1)) / 2) throw new Error(`verification failed: ${r.count} of ${n} values, sum ${r.sum}`);
  if (!r.orderOk) throw new Error("verification failed: out of order");
  return (r.ms * 1e6) / n;
}

function scenario(id, codec, n, what) {
  return {
    id, kind: "processes", unit: "ns/msg", floor: "jetstream-pipelined",
    title: `across processes over NATS: 1 producer process → 1 consumer process, ${what}`,
    description: `One producer process sends ${n.toLocaleString("en")} ${what.split(" ").slice(1).join(" ")} values to one consumer process through a nats-server with JetStream on loopback (started for the run). The floor is the bare JetStream client with 256 publishes in flight on an unbounded work-queue stream (less than the bridge does: no back-pressure, no close), acknowledging each message. Counts are far below the issue's 1M / 100k: the bare client takes ~0.1–0.3 ms per message, so a run of 1M would take minutes. Every run verifies count, sum and order.`,
    subjects: () => SUBJECTS,
    async measureAll(subjects, ctx) {
      const out = new Map();
      if (!haveServer()) {
        for (const s of subjects) out.set(s.name, { skipped: "no nats-server on PATH (apt-get install nats-server)" });
        return out;
      }
      const server = await startServer();
      const rounds = ctx.quick ? 1 : 3;
      const nn = ctx.quick ? Math.max(200, n / 20) : n;
      const samples = new Map(subjects.map((s) => [s.name, []]));
      try {
        for (let round = 0; round < rounds; round++) {
          for (const s of subjects) {
            try {
              samples.get(s.name).push(await runOnce(server.url, s.name, codec, nn));
              ctx.progress?.(".");
            } catch (e) {
              out.set(s.name, { error: e });
            }
          }
        }
      } finally {
        server.stop();
      }
      for (const s of subjects) if (!out.has(s.name)) out.set(s.name, { samples: samples.get(s.name), messagesPerRun: nn, messagesVerified: nn * samples.get(s.name).length });
      return out;
    },
  };
}

export const scenarios = [scenario("S7-i32", "i32", 20_000, "20k int32"), scenario("S7-bytes", "bytes", 5_000, "5k bytes(1024)")];
