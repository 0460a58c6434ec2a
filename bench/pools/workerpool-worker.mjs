// workerpool's worker: registers S8's tasks.
import workerpool from "workerpool";
import { tiny, cpu, hash } from "./tasks.mjs";

workerpool.worker({ tiny, cpu, hash });
