// wasmchan/pool: results paired with their tasks, failures rejected per task, a worker that dies fails
// only the tasks it held and is replaced (the pool keeps its size), bounded submission, clean shutdown.
import { describe, expect, it } from "vitest";
import { codecs } from "wasmchan";
import { Pool, TaskError } from "wasmchan/pool";
import { Pending } from "../dist/pool/pending.js";

const tasks = new URL("./fixtures/pool-tasks.mjs", import.meta.url);

describe("wasmchan/pool", () => {
  it("run: 10,000 tasks on 2 workers, each result paired with its task", async () => {
    const pool = await Pool.create(tasks, { task: codecs.i32, result: codecs.f64, size: 2 });
    expect(pool.size).toBe(2);
    const rs = await Promise.all(Array.from({ length: 10_000 }, (_, n) => pool.run(n)));
    rs.forEach((r, n) => expect(r).toBe(n * n + 1));
    await pool.close();
  }, 60_000);

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
  }, 60_000);

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

  it("runMany: a task that throws rejects its batch with that TaskError, other batches complete; one that kills its worker rejects its batch only", async () => {
    const pool = await Pool.create(tasks, { task: codecs.i32, result: codecs.i32, size: 2, name: "sometimesThrows" });
    expect(await pool.runMany([])).toEqual([]);
    const bad = pool.runMany(Array.from({ length: 20 }, (_, i) => i + 1));
    const good = pool.runMany(Array.from({ length: 600 }, (_, i) => 7 * i + 1)); // no multiple of 7, 3 blocks of ids
    await expect(bad).rejects.toThrow(TaskError);
    await expect(bad).rejects.toThrow(/no multiples of 7: (7|14)/);
    expect(await good).toEqual(Array.from({ length: 600 }, (_, i) => 2 * (7 * i + 1)));
    expect(await pool.runMany([1, 2, 3])).toEqual([2, 4, 6]); // the pool goes on (where late results land: the Pending tests below)
    await pool.close();

    const dies = await Pool.create(tasks, { task: codecs.i32, result: codecs.i32, size: 2, name: "diesOn13" });
    const settled = await Promise.allSettled([dies.runMany([11, 12, 13, 14]), dies.runMany([1, 2, 3])]);
    expect(settled[0].status).toBe("rejected");
    expect(((settled[0] as PromiseRejectedResult).reason as Error).message).toMatch(/died/);
    // The other batch completes unless the dying worker held part of it (it takes up to 32 jobs at once).
    if (settled[1].status === "fulfilled") expect(settled[1].value).toEqual([1, 4, 9]);
    else expect(((settled[1] as PromiseRejectedResult).reason as Error).message).toMatch(/died/);
    expect(dies.size).toBe(2);
    expect(await dies.runMany(Array.from({ length: 300 }, (_, i) => i + 20))).toEqual(Array.from({ length: 300 }, (_, i) => (i + 20) ** 2));
    await dies.close();
  });

  it("a result its codec refuses fails that task with a TaskError (TypeError, RangeError); the rest of its batch and the worker go on", async () => {
    const pool = await Pool.create(tasks, { task: codecs.i32, result: codecs.i32, size: 2, name: "badResult", batch: 16 });
    const settled = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => pool.run(i)));
    settled.forEach((s, n) => {
      if (n === 5 || n === 6) {
        expect(s.status).toBe("rejected");
        const e = (s as PromiseRejectedResult).reason as TaskError;
        expect(e).toBeInstanceOf(TaskError);
        expect(e.taskName).toBe(n === 5 ? "TypeError" : "RangeError");
      } else expect(s).toEqual({ status: "fulfilled", value: n });
    });
    await expect(pool.runMany([1, 2, 5, 3])).rejects.toThrow(TaskError);
    expect(await pool.runMany([7, 8, 9])).toEqual([7, 8, 9]);
    expect(pool.size).toBe(2);
    await pool.close();
  });

  it("Pending: a second outcome of one task is ignored; a batch rejected by a failed send keeps its ids until they report", async () => {
    const p = new Pending(8);
    const a = p.many<number>(2); // block 0
    p.settle(a.first, true, 1);
    p.settle(a.first, false, new Error("late death")); // its worker was declared dead after it reported
    p.settle(a.first, true, 9);
    p.settle(a.first + 5, true, 5); // past its tasks: ignored
    expect(p.size).toBe(1);
    p.settle(a.first + 1, true, 2);
    expect(await a.promise).toEqual([1, 2]);
    const b = p.many<number>(3 * 256); // blocks 1..3
    p.reject(b.first, new Error("send failed"));
    await expect(b.promise).rejects.toThrow("send failed");
    const c = p.many<number>(4 * 256); // blocks 4..7
    const d = p.many<number>(1); // wraps to block 0 (a's, free)
    expect(d.first).toBe(a.first);
    expect(() => p.many<number>(1)).toThrow(/too many tasks in flight/); // b's ids are still out
    for (let j = 0; j < 3 * 256; j++) p.settle(b.first + j, true, j); // they report: into nothing
    const e = p.many<number>(1);
    expect(e.first).toBe(b.first); // now its blocks are free
    p.failAll(new Error("end"));
    await expect(e.promise).rejects.toThrow("end");
    await expect(c.promise).rejects.toThrow("end");
    await expect(d.promise).rejects.toThrow("end");
  });

  it("Pending: a batch's ids are consecutive, its results land in order, its blocks stay taken until every task is accounted for", async () => {
    const p = new Pending(8); // 8 blocks of 256 ids
    const a = p.many<number>(600); // blocks 0..2
    const b = p.many<number>(700); // blocks 3..5
    expect(a.first >>> 0).toBe(0x8000_0000);
    expect(b.first - a.first).toBe(3 * 256);
    for (let j = 599; j >= 0; j--) p.settle(a.first + j, true, j * 10); // any order
    expect(await a.promise).toEqual(Array.from({ length: 600 }, (_, j) => j * 10));
    // b fails at its first failure; its other tasks are still out, so its blocks stay taken.
    p.settle(b.first + 5, false, new Error("boom"));
    await expect(b.promise).rejects.toThrow("boom");
    const c = p.many<number>(512); // 6..7 free: fits there
    expect((c.first - a.first) / 256).toBe(6);
    const d = p.many<number>(3 * 256); // 3..5 still b's: wraps to 0..2 (a's, free)
    expect((d.first - a.first) / 256).toBe(0);
    expect(() => p.many<number>(256)).toThrow(/too many tasks in flight/); // every block taken
    for (let j = 0; j < 700; j++) if (j !== 5) p.settle(b.first + j, true, -1); // b's late results: nowhere
    const e = p.many<number>(2 * 256); // 3..5 free again
    expect((e.first - a.first) / 256).toBe(3);
    p.settle(d.first + 1, true, 1);
    p.settle(c.first + 9, true, 9);
    p.settle(12345, true, 0); // an id never given: ignored
    expect(() => p.many<number>(5 * 256)).toThrow(/at most 1024 at once/);
    const one = p.one<number>();
    expect(one.id).toBeLessThan(0x8000_0000);
    expect(p.size).toBe(1 + 3 + 2 + 2);
    p.failAll(new Error("all"));
    await expect(one.promise).rejects.toThrow("all");
    await expect(c.promise).rejects.toThrow("all");
    await expect(d.promise).rejects.toThrow("all");
    await expect(e.promise).rejects.toThrow("all");
    expect(p.size).toBe(0);
  });
});
