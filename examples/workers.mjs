// The README's example: a worker pool and a select with a timeout.
import { chan, select, recv, after } from "wasmchan";

const jobs = chan(16); // make(chan any, 16)
const results = chan(); // make(chan any)

async function worker(id) { // go worker(id)
  for await (const n of jobs) await results.send(`worker ${id}: ${n} squared is ${n * n}`);
}
worker(1);
worker(2);

(async () => {
  for (let n = 1; n <= 4; n++) await jobs.send(n);
  jobs.close();
})();

for (let i = 0; i < 4; i++) console.log(await results.recv());

// select with a timeout, as in Go
const quiet = chan();
const r = await select([recv(quiet), recv(after(50))]);
console.log(r.index === 1 ? "timed out" : `got ${r.value}`);
