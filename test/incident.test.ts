// The seed's production incident (examples/incident/): a handler's early return leaves a send parked on
// an unbuffered channel forever. The leak check names it, with its line; the fixed handler passes it;
// and the memory script shows the leaky server growing while the fixed one stays flat.
import { execFileSync } from "node:child_process";
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnostics, LeakError } from "wasmchan";
import { turns, runtimeArgs, skipOn } from "./util.js";

const dir = fileURLToPath(new URL("../examples/incident/", import.meta.url));
const bugLine = readFileSync(`${dir}leaky.mjs`, "utf8").split("\n").findIndex((l) => l.includes("BUG:")) + 1;

describe("the incident: a send parked forever after an early return", () => {
  beforeAll(() => diagnostics.enable());
  afterAll(() => diagnostics.disable());

  it("the leak check fails on the leaky handler, naming the parked send and its line", async () => {
    const { handleRequest } = await import("../examples/incident/leaky.mjs");
    const res = await handleRequest(4); // every 4th request: billing fails fast
    expect(res.status).toBe(502);
    await turns();
    let err: unknown;
    try {
      diagnostics.verifyNone();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LeakError);
    const ops = (err as LeakError).ops;
    expect(ops).toHaveLength(1);
    expect(ops[0].op).toBe("send");
    expect(ops[0].channels).toEqual([{ id: expect.any(Number), name: "results" }]);
    expect(ops[0].stack).toContain(`leaky.mjs:${bugLine}:`);
    expect((err as Error).message).toMatch(/1 operation still parked:\n- send on chan #\d+ "results", parked for \d+ ms/);
    expect((err as Error).message).toContain(`leaky.mjs:${bugLine}:`);
    // Clean up the leak so the next test starts from nothing: the server shuts down.
    const { server } = await import("../examples/incident/services.mjs");
    server.shutdown.abort();
    server.shutdown = new AbortController();
    await turns();
    diagnostics.verifyNone();
  });

  it("the fixed handler passes the leak check, on failing and succeeding requests", async () => {
    const { handleRequest } = await import("../examples/incident/fixed.mjs");
    expect((await handleRequest(4)).status).toBe(502);
    expect(await handleRequest(5)).toEqual({ status: 200, services: ["users", "billing", "inventory"] });
    await turns();
    expect(diagnostics.parked()).toEqual([]);
    diagnostics.verifyNone();
  });

  const denoMemory = skipOn(["deno"], "the incident's memory plot reads process.memoryUsage().arrayBuffers (where its payloads live), which Deno reports as 0");
  it.skipIf(denoMemory)("memory over requests: the leaky server grows, the fixed one stays flat (and an SVG is drawn)", () => {
    const out = join(mkdtempSync(join(tmpdir(), "wasmchan-incident-")), "memory.svg");
    const json = execFileSync(process.execPath, [...runtimeArgs(`${dir}memory.mjs`, { gc: true }), "3000", out], {
      encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "ignore"],
    });
    const [leaky, fixed] = JSON.parse(json.trim().split("\n").pop()!);
    expect(leaky.version).toBe("leaky");
    expect(leaky.lastMB - fixed.lastMB).toBeGreaterThan(5); // ~750 parked sends × 16 KiB payloads
    const svg = readFileSync(out, "utf8");
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  }, 150_000);
});
