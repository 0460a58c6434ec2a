// A worker that attaches a shared channel, takes one value without waiting, posts it and exits
// without disposing (its reference must go with its thread).
import { parentPort, workerData } from "node:worker_threads";
import { attach } from "wasmchan";

const ch = await attach(workerData.d);
parentPort.postMessage(ch.tryRecv().value);
