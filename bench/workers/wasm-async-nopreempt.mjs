// wasm-async with preemption off on every thread (preemption.budgetMs = 0): the A/B that shows what
// cooperative preemption costs across workers (README, "Preemption").
import async from "./wasm-async.mjs";
import { wasmTransport } from "./wasm-shared.mjs";

export default wasmTransport({ ...async.spec, name: "wasm-async-nopreempt", label: "wasm-async, preemption off", preempt: false });
