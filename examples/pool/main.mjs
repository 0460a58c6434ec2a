// A worker pool on channels: 10,000 tasks hashed by 2 workers, each result paired with its task, and one
// task that fails on its own. Run: node examples/pool/main.mjs
import { codecs } from "wasmchan";
import { Pool } from "wasmchan/pool";

const pool = await Pool.create(new URL("./hash.mjs", import.meta.url), {
  task: codecs.json(4096),                              // { id, bytes } — any JSON value fits json(n)
  result: codecs.struct({ id: "u32", hash: "u32" }),    // a record: the id comes back with its hash
  size: 2,
});
const tasks = Array.from({ length: 10_000 }, (_, id) => ({ id, bytes: Array.from({ length: 1024 }, (_, i) => (id + i) & 255) }));
const results = await Promise.all(tasks.map((t) => pool.run(t)));
console.log(`${results.length} results, each for its task: ${results.every((r, i) => r.id === i)}`);
const bad = await pool.run({ id: 1, bytes: null }).catch((e) => e);
console.log(`a task that throws rejects alone: ${bad.name} (${bad.taskName})`);
await pool.close();
