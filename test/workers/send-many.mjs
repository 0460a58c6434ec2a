// A worker that sends 0 .. N-1 with sendManySync, 1000 a call, then closes the channel.
import { workerData } from "node:worker_threads";
import { attach } from "wasmchan";

const ch = await attach(workerData.d);
for (let i = 0; i < workerData.N; i += 1000) ch.sendManySync(Array.from({ length: 1000 }, (_, j) => i + j));
ch.close();
