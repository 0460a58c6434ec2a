// The core's exports, and nothing else: the ABI the bindings in src/ call.
import { T_ID, T_RAND, T_SIZE } from "../src/layout";
import { allocLines, nextId } from "./alloc";

export { heapInit, allocLines, freeLines } from "./alloc";
export {
  makechan, chansend, chanrecv, chansendn, chanrecvn, closechan, chandispose, cancel, freechan, chanshare, chanattach, chanrelease,
} from "./hchan";
export { releaseSudog } from "./sudog";
export { selectgo, selectdone, selectcancel, selectseed } from "./select";

/** A context for a new thread (JS realm) using this heap: its id and out-words; 0 when out of memory. */
export function threadNew(): usize {
  const t = allocLines(T_SIZE); // freed by JS with freeLines
  if (t == 0) return 0;
  memory.fill(t, 0, T_SIZE);
  const id = nextId();
  store<u32>(t, id, T_ID);
  // A distinct, never-zero start for each thread's poll order; JS reseeds it from a real random source.
  store<u32>(t, (id * 0x9e3779b9) | 1, T_RAND);
  return t;
}
