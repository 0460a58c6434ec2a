// The browser bench's Web Worker: the library as plain ESM from dist/, as a page would load it.
import * as wasmchan from "../../dist/index.js";
import { RingBuffer } from "../../node_modules/ringbuf.js/dist/index.es.js";
import { workerMain } from "./worker-side.mjs";

const handle = workerMain({ wasmchan, RingBuffer }, (m) => self.postMessage(m));
self.onmessage = (e) => handle(e.data);
self.postMessage({ ready: true });
