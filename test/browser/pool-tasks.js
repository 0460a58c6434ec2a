// Task functions for test/browser/pool.html, run by wasmchan/pool's Web Workers.
export default function square(n) {
  return n * n + 1;
}

/** Throws on multiples of 7. */
export function sometimesThrows(n) {
  if (n % 7 === 0) throw new RangeError(`no multiples of 7: ${n}`);
  return n * 2;
}

/** On 13, an uncaught error ends its worker (a browser's only sign of a dead worker) and the task never
 *  returns; else squares. */
export function crashesOn13(n) {
  if (n !== 13) return n * n;
  setTimeout(() => {
    throw new Error("crash on 13");
  });
  return new Promise(() => {});
}
