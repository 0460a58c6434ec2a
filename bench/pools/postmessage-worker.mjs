// The hand-written baseline's worker: a message [id, task, value] in, [id, result] out.
import { parentPort, workerData } from "node:worker_threads";
import * as tasks from "./tasks.mjs";

const f = tasks[workerData.task];
parentPort.on("message", (m) => {
  if (Array.isArray(m)) parentPort.postMessage([m[0], f(m[1])]);
  else for (let i = 0; i < m.ids.length; i++) parentPort.postMessage([m.ids[i], f(m.values[i])]);
});
