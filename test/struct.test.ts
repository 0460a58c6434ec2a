// codecs.struct: a record of scalar fields in one slot. Its layout (each field aligned, inside the slot,
// none overlapping), its checks (each field as its codec checks it, read once; errors that name the
// field), its name (what attach and the NATS bridge compare) and hostile values. Every path × core ×
// memory runs it in test/matrix.test.ts, random programs in the reference model (test/model/values.ts).
import { describe, expect, it } from "vitest";
import { cores } from "./cores";
import { inWorker } from "./util";

describe.each(cores)("$name core: codecs.struct", ({ lib }) => {
  const { chan, codecs } = lib;

  it("carries an object with exactly its fields, a new one for each receiver; extra fields are not carried", async () => {
    const ch = chan(4, codecs.struct({ id: "u32", x: "f64", ok: "bool", big: "i64", n: "i32" }));
    const v = { id: 7, x: -0, ok: true, big: -(2n ** 63n), n: -5, extra: "dropped" };
    await ch.send(v);
    v.id = 8; // the sender's later changes do not reach the channel
    const got = await ch.recv();
    expect(got).toEqual({ id: 7, x: -0, ok: true, big: -(2n ** 63n), n: -5 });
    expect(Object.is(got.x, -0)).toBe(true);
    expect(Object.keys(got)).toEqual(["id", "x", "ok", "big", "n"]);
    ch.close();
    expect(await ch.recv()).toEqual({ id: 0, x: 0, ok: false, big: 0n, n: 0 }); // the zero value
  });

  it("each field is checked as its codec checks it, and the error names the field; nothing is sent", () => {
    const ch = chan(4, codecs.struct({ id: "u32", ok: "bool" }));
    expect(() => ch.trySend({ id: -1, ok: true })).toThrow(/field id .*out of range/);
    expect(() => ch.trySend({ id: 1.5, ok: true })).toThrow(RangeError);
    expect(() => ch.trySend({ id: 1, ok: 1 } as never)).toThrow(/field ok .*bool/);
    expect(() => ch.trySend({ ok: true } as never)).toThrow(TypeError);
    expect(() => ch.trySend(null as never)).toThrow(TypeError);
    expect(() => ch.trySend([1, true] as never)).toThrow(TypeError);
    expect(ch.len).toBe(0);
  });

  it("a getter is read once; a getter that disposes the channel leaves nothing half sent", async () => {
    const ch = chan(4, codecs.struct({ id: "u32" }));
    let reads = 0;
    await ch.send({ get id() { reads++; return 3; } });
    expect(reads).toBe(1);
    expect(await ch.recv()).toEqual({ id: 3 });
    const d = chan(4, codecs.struct({ id: "u32" }));
    expect(() => d.trySend({ get id() { d.dispose(); return 1; } })).toThrow("use of disposed channel");
  });

  it("field specs that cannot make a struct are refused with a clear error", () => {
    for (const bad of [{}, null, [], { a: "u8" }, { a: "bytes(4)" }, { "1a": "i32" }, { "a-b": "i32" }, JSON.parse('{"__proto__": "i32"}'),
      Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, "bool"]))]) {
      expect(() => codecs.struct(bad as never), JSON.stringify(bad)).toThrow(/codecs.struct/);
    }
  });
});

describe("codecs.struct: layout and name", () => {
  const lib = cores[0].lib as typeof import("wasmchan");

  it("fields are laid out 8-byte first, each aligned, none overlapping, all inside the slot", () => {
    const c = lib.codecs.struct({ ok: "bool", id: "u32", x: "f64" }) as unknown as { name: string; size: number; align: number };
    expect(c.name).toBe("struct{ok:bool,id:u32,x:f64}");
    expect(c.size).toBe(16); // x@0, id@8, ok@12, padded to 16
    expect(c.align).toBe(8);
    expect((lib.codecs.struct({ a: "bool", b: "bool", c: "bool" }) as unknown as { size: number }).size).toBe(4);
  });

  it("a shared struct channel attached in a worker: the name brings the same codec; results paired with their task", async () => {
    const heap = await lib.SharedHeap.create();
    const jobs = heap.chan(16, lib.codecs.i32);
    const results = heap.chan(16, lib.codecs.struct({ id: "i32", square: "f64" }));
    const worker = inWorker(`
      const jobs = await lib.attach(workerData.jobs);
      const results = await lib.attach(workerData.results);
      for (const id of jobs.rangeSync()) results.sendSync({ id, square: id * id });
      results.close();
    `, { jobs: jobs.share(), results: results.share() });
    void (async () => {
      for (let i = 0; i < 500; i++) await jobs.send(i);
      jobs.close();
    })();
    const seen = new Map<number, number>();
    for await (const r of results) {
      expect(seen.has(r.id), `task ${r.id} answered twice`).toBe(false);
      seen.set(r.id, r.square);
    }
    await worker;
    expect(seen.size).toBe(500);
    for (const [id, sq] of seen) expect(sq).toBe(id * id);
  });
});
