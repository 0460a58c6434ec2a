// S8's tasks, the same functions for every pool: `tiny` (n → n² + 1), `cpu` (about 10 µs of arithmetic)
// and `hash` (FNV-1a of a 1 KB Uint8Array). `expected` gives what each must return, to verify every result.
export function tiny(n) {
  return n * n + 1;
}

/** About 10 µs of CPU here; its result depends on n, so every result is checked. */
export function cpu(n) {
  let x = n;
  for (let i = 0; i < 2500; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return x;
}

export function hash(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

export default tiny;
