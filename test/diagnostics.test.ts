// Diagnostics: the dump of parked operations and the goleak-style check, on both cores.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cores } from "./cores";
import { turns } from "./util";

const here = new URL(import.meta.url).pathname.split("/").pop()!;

describe.each(cores)("$name core: diagnostics", ({ lib }) => {
  beforeEach(() => lib.diagnostics.enable());
  afterEach(() => lib.diagnostics.disable());

  it("lists each parked op with its channel id and name, age and call site, and verifyNone throws", async () => {
    const results = lib.chan(0, { name: "results" });
    const other = lib.chan(1);
    const send = results.send(1).catch(() => {}); // line of this call is in the stack
    const sel = lib.select([lib.recv(other), lib.recv(null), lib.recv(results)]).catch(() => {});
    const recv = lib.chan(0, { name: "idle" }).recv();
    await turns();
    const ops = lib.diagnostics.parked();
    // The select matched the parked send: only the receive on "idle" is left.
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ op: "recv", channels: [{ id: expect.any(Number), name: "idle" }] });
    expect(ops[0].parkedMs).toBeGreaterThanOrEqual(0);
    expect(ops[0].stack).toContain(here);
    await send;
    await sel;
    void recv;
    expect(() => lib.diagnostics.verifyNone()).toThrow(lib.LeakError);
    expect(lib.diagnostics.dump()).toMatch(/1 operation still parked:\n- recv on chan #\d+ "idle", parked for \d+ ms\n\s+at /);
  });

  it("taking a parked op's stack runs user code (Error.prepareStackTrace) only once the op is registered: an op that code completes gets its value, none is lost", async () => {
    const E = Error as unknown as { prepareStackTrace?: unknown };
    const saved = E.prepareStackTrace;
    try {
      for (const cap of [0, 1]) {
        const ch = lib.chan<number>(cap);
        // Leave a pooled sudog behind from a plain (diagnostics-off) park, as a program would.
        lib.diagnostics.disable();
        const warm = ch.recv();
        ch.trySend(-1);
        expect(await warm).toBe(-1);
        lib.diagnostics.enable();
        let fired = 0;
        E.prepareStackTrace = (_e: unknown, frames: unknown[]) => {
          if (fired++ === 0) ch.trySend(7); // completes the receive being parked
          return frames.join("\n");
        };
        const ac = new AbortController();
        const got = ch.recv({ signal: ac.signal });
        const sel = lib.select([lib.recv(ch)]);
        E.prepareStackTrace = saved;
        expect(fired).toBeGreaterThan(0);
        expect(await got).toBe(7);
        expect(ch.trySend(8)).toBe(true); // the select gets the next value
        expect((await sel).value).toBe(8);
        const after = ch.recv(); // plain ops on the channel still pair up in order
        expect(ch.trySend(9)).toBe(true);
        expect(await after).toBe(9);
      }
    } finally {
      E.prepareStackTrace = saved;
    }
  });

  it("a parked select is one entry naming all its channels in case order", async () => {
    const a = lib.chan(0, { name: "a" });
    const b = lib.chan(0, { name: "b" });
    const ac = new AbortController();
    const p = lib.select([lib.recv(b), lib.send(a, 1), lib.recv(b)], { signal: ac.signal }).catch(() => {});
    await turns();
    const ops = lib.diagnostics.parked();
    expect(ops).toHaveLength(1);
    expect(ops[0].op).toBe("select");
    expect(ops[0].channels.map((c: { name?: string }) => c.name)).toEqual(["b", "a", "b"]);
    ac.abort();
    await p;
    expect(lib.diagnostics.parked()).toEqual([]);
    lib.diagnostics.verifyNone();
  });

  it("settled, aborted and closed ops leave the list; with diagnostics off nothing is recorded", async () => {
    const c = lib.chan(0);
    const ac = new AbortController();
    const r1 = c.recv({ signal: ac.signal }).catch(() => {});
    const r2 = c.recv();
    const s = lib.chan(0);
    const s1 = s.send(1).catch(() => {});
    expect(lib.diagnostics.parked()).toHaveLength(3);
    ac.abort();
    await r1;
    c.trySend(5);
    expect(await r2).toBe(5);
    s.close();
    await s1;
    expect(lib.diagnostics.parked()).toEqual([]);
    lib.diagnostics.verifyNone();
    lib.diagnostics.disable();
    const quiet = lib.chan(0).recv();
    void quiet;
    lib.diagnostics.enable();
    expect(lib.diagnostics.parked()).toEqual([]);
  });

  it("verifyNone says so when diagnostics are off", () => {
    lib.diagnostics.disable();
    expect(() => lib.diagnostics.verifyNone()).toThrow(/enable/);
  });
});
