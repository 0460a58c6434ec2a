// A pool worker: receives from a shared channel with the blocking form until it is closed, and
// reports how many values it took and their sum.
import { parentPort, workerData } from "node:worker_threads";
import { attach } from "wasmchan";

const ch = await attach(workerData.d);
let n = 0, sum = 0;
for (let r; (r = ch.recvSyncOk()).ok; ) {
  n++;
  sum += r.value;
}
parentPort.postMessage({ n, sum });
