// ts-chan with setUnsafe(true) on every channel and select: no yield to the macrotask queue.
import { tsChan } from "./ts-chan.mjs";

export default tsChan(true);
