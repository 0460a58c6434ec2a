// pollorder: select's uniformly random poll order — Go's cheaprandn over a xorshift32 state and an
// inside-out Fisher–Yates over the non-nil cases. assembly/select.ts does exactly this in the core; this
// is the JS twin, used by the pure core and by the Wasm core's JS fast path, so that for one seed all
// three choose the same case.

/** The random state, passed by reference: a u32, never 0. */
export interface Rng {
  x: number;
}

/** A uniformly random integer in [0, n): the high word of x * n, exact in a double (x < 2^32, n < 2^21). */
export function randn(rng: Rng, n: number): number {
  let x = rng.x;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  rng.x = x >>> 0;
  return Math.floor((rng.x * n) / 0x1_0000_0000);
}

/** Writes the indices of the cases whose channel (`chOf`) is not null to `order`, in poll order;
 *  returns how many. */
export function pollOrder<K>(cases: readonly K[], order: Int32Array, rng: Rng, chOf: (k: K) => unknown): number {
  let norder = 0;
  for (let i = 0; i < cases.length; i++) {
    if (chOf(cases[i]) === null) continue;
    const j = randn(rng, norder + 1);
    order[norder] = order[j];
    order[j] = i;
    norder++;
  }
  return norder;
}
