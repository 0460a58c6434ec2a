// wasm-batch with preemption off on every thread (preemption.budgetMs = 0): the A/B that shows what
// cooperative preemption costs across workers (README, "Preemption").
import batch from "./wasm-batch.mjs";
import { wasmTransport } from "./wasm-shared.mjs";

export default wasmTransport({ ...batch.spec, name: "wasm-batch-nopreempt", label: "wasm-batch, preemption off", preempt: false });
