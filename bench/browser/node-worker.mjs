// The browser bench's worker in Node (worker_threads): the same worker side as the Web Worker's.
import { parentPort } from "node:worker_threads";
import * as wasmchan from "wasmchan";
import { RingBuffer } from "ringbuf.js";
import { workerMain } from "./worker-side.mjs";

const handle = workerMain({ wasmchan, RingBuffer }, (m) => parentPort.postMessage(m));
parentPort.on("message", handle);
parentPort.postMessage({ ready: true });
