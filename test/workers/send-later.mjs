// A worker that attaches a shared channel, sleeps 300 ms blocking its thread, then sends 42.
import { workerData } from "node:worker_threads";
import { attach } from "wasmchan";

const ch = await attach(workerData.d);
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
ch.sendSync(42);
