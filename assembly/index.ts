// The core's exports, and nothing else: the ABI the bindings in src/ call.
export { heapInit, allocLines, freeLines } from "./alloc";
export {
  makechan, chansend, chanrecv, chansendn, chanrecvn, closechan, chanlen, chandispose, cancel, freechan, chanshare, chanattach, chanrelease,
} from "./hchan";
export { releaseSudog } from "./sudog";
export { selectgo, selectdone, selectcancel, selectseed } from "./select";
export { threadNew, threadFree, reap, parkdead } from "./thread";
