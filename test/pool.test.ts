// wasmchan/pool: results paired with their tasks, failures rejected per task, a worker that dies fails
// only the tasks it held and is replaced (the pool keeps its size), bounded submission, clean shutdown.
import { describe, expect, it } from "vitest";
import { codecs } from "wasmchan";
import { Pool, TaskError } from "wasmchan/pool";

const tasks = new URL("./fixtures/pool-tasks.mjs", import.meta.url);

describe("wasmchan/pool", () => {
  it("run: 10,000 tasks on 2 workers, each result paired with its task", async () => {
    const pool = await Pool.create(tasks, { task: codecs.i32, result: codecs.f64, size: 2 });
    expect(pool.size).toBe(2);
    const rs = await Promise.all(Array.from({ length: 10_000 }, (_, n) => pool.run(n)));
    rs.forEach((r, n) => expect(r).toBe(n * n + 1));
    await pool.close();
  });

  it("runMany: 100,000 tiny tasks in batches, results in order; async task functions too", async () => {
    const pool = await Pool.create(tasks, { task: codecs.i32, result: codecs.f64, size: 2, batch: 256 });
    const n = 100_000;
    const rs = await pool.runMany(Array.from({ length: n }, (_, i) => i));
    expect(rs.length).toBe(n);
    for (let i = 0; i < n; i++) if (rs[i] !== i * i + 1) throw new Error(`task ${i}: ${rs[i]}`);
    await pool.close();
    const async = await Pool.create(tasks, { task: codecs.i32, result: codecs.i32, size: 2, name: "later" });
    expect(await async.runMany([1, 2, 3, 4, 5])).toEqual([-1, -2, -3, -4, -5]);
    await async.close();
  });

  it("a task that throws rejects with a TaskError (the thrown name and message); every other task completes", async () => {
    const pool = await Pool.create(tasks, { task: codecs.i32, result: codecs.i32, size: 2, name: "sometimesThrows" });
    const settled = await Promise.allSettled(Array.from({ length: 100 }, (_, n) => pool.run(n + 1)));
    settled.forEach((s, i) => {
      const n = i + 1;
      if (n % 7 === 0) {
        expect(s.status).toBe("rejected");
        const e = (s as PromiseRejectedResult).reason as TaskError;
        expect(e).toBeInstanceOf(TaskError);
        expect(e.taskName).toBe("RangeError");
        expect(e.message).toBe(`no multiples of 7: ${n}`);
      } else expect(s).toEqual({ status: "fulfilled", value: n * 2 });
    });
    expect(await pool.run(3)).toBe(6);
    await pool.close();
  });

  it("a worker that dies mid-task fails that task only; the pool replaces it and keeps its size", async () => {
    const pool = await Pool.create(tasks, { task: codecs.i32, result: codecs.i32, size: 2, name: "diesOn13", batch: 1 });
    const settled = await Promise.allSettled(Array.from({ length: 40 }, (_, n) => pool.run(n + 1)));
    settled.forEach((s, i) => {
      const n = i + 1;
      if (n === 13) {
        expect(s.status).toBe("rejected");
        expect(((s as PromiseRejectedResult).reason as Error).message).toMatch(/died/);
      } else expect(s).toEqual({ status: "fulfilled", value: n * n });
    });
    expect(pool.size).toBe(2);
    const more = await Promise.all(Array.from({ length: 200 }, (_, n) => pool.run(n + 20)));
    more.forEach((r, n) => expect(r).toBe((n + 20) ** 2));
    await pool.close();
  });

  it("a worker that dies holding a batch fails exactly the tasks it had not reported", async () => {
    const pool = await Pool.create(tasks, { task: codecs.i32, result: codecs.i32, size: 1, name: "diesOn13", batch: 64 });
    const each = await Promise.allSettled(Array.from({ length: 30 }, (_, n) => pool.run(n + 1)));
    const failed = each.map((s, i) => (s.status === "rejected" ? i + 1 : 0)).filter(Boolean);
    expect(failed).toContain(13);
    // It sends a batch's results once the batch is done (or before a failure): the tasks of the batch it
    // died in fail, those of the batches it reported before stand, those after go to its replacement —
    // so the failures are one run of consecutive tasks through 13.
    expect(failed).toEqual(Array.from({ length: failed.length }, (_, k) => failed[0] + k));
    each.forEach((s, i) => s.status === "fulfilled" && expect(s.value).toBe((i + 1) ** 2));
    expect(await pool.run(5)).toBe(25);
    expect(pool.size).toBe(1);
    await pool.close();
  });

  it("struct tasks; a task the codec refuses throws at once and queues nothing; run after close rejects", async () => {
    const pool = await Pool.create(tasks, { task: codecs.struct({ id: "u32", ms: "u32" }), result: codecs.u32, size: 2, name: "busy" });
    expect(await Promise.all([1, 2, 3].map((id) => pool.run({ id, ms: 5 })))).toEqual([1, 2, 3]);
    expect(() => pool.run({ id: -1, ms: 0 })).toThrow(RangeError);
    const slow = pool.run({ id: 9, ms: 50 });
    const closing = pool.close();
    await expect(pool.run({ id: 1, ms: 0 })).rejects.toThrow(/closed pool/);
    expect(await slow).toBe(9); // close lets queued tasks finish
    await closing;
  });

  it("terminate rejects what has not completed; a module without the export is refused at create", async () => {
    const pool = await Pool.create(tasks, { task: codecs.struct({ id: "u32", ms: "u32" }), result: codecs.u32, size: 1, name: "busy" });
    const p = pool.run({ id: 1, ms: 2000 });
    await new Promise((r) => setTimeout(r, 50));
    await pool.terminate();
    await expect(p).rejects.toThrow(/terminated/);
    await expect(Pool.create(tasks, { task: codecs.i32, result: codecs.i32, size: 1, name: "nope" })).rejects.toThrow(/no function export/);
  });
});
