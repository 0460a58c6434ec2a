// The S5 physical floor for wasmchan's design: a bare bounded MPMC ring with per-slot stamps (the
// algorithm of assembly/ring.ts, without channels, codecs, locks or parking), whose whole produce and
// consume loops run inside Wasm. Built by bench/workers/wasm-ring.mjs; not part of the package.
//
// At `base`: the head (u64) at +64 and the tail (u64) at +128, each on a line of its own (index in the
// low u32, lap in the high u32), then `cap` slots of [stamp u32, value i32] from +192. A stamp is
// lap << 1 while the slot waits to be filled in that lap, lap << 1 | 1 while it holds that lap's value.

@inline function next(p: u64, cap: u32): u64 {
  return <u32>p + 1 < cap ? p + 1 : ((p >> 32) + 1) << 32;
}

/** Sends values from, from + 1, ... to - 1, spinning while the ring is full. */
export function produce(base: usize, cap: u32, from: i32, to: i32): void {
  const ta = base + 128;
  const slots = base + 192;
  for (let v = from; v < to; v++) {
    let t = atomic.load<u64>(ta);
    while (true) {
      const slot = slots + (<usize><u32>t << 3);
      const empty = <u32>(t >> 32) << 1;
      if (atomic.load<u32>(slot) == empty) {
        const seen = atomic.cmpxchg<u64>(ta, t, next(t, cap));
        if (seen == t) {
          store<i32>(slot, v, 4);
          atomic.store<u32>(slot, empty | 1);
          break;
        }
        t = seen;
      } else {
        t = atomic.load<u64>(ta); // full (or another sender won): look again
      }
    }
  }
}

/** Receives `n` values, spinning while the ring is empty, and checks them: they must be
 *  first, first + 1, ... in order. Writes the count and the sum (f64) at `out`; returns 1 if in order. */
export function consume(base: usize, cap: u32, n: i32, first: i32, out: usize): i32 {
  const ha = base + 64;
  const slots = base + 192;
  let expect = first;
  let ok = 1;
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    let h = atomic.load<u64>(ha);
    while (true) {
      const slot = slots + (<usize><u32>h << 3);
      const full = <u32>(h >> 32) << 1 | 1;
      if (atomic.load<u32>(slot) == full) {
        const seen = atomic.cmpxchg<u64>(ha, h, next(h, cap));
        if (seen == h) {
          const v = load<i32>(slot, 4);
          atomic.store<u32>(slot, (<u32>(h >> 32) + 1) << 1);
          if (v != expect) ok = 0;
          expect = v + 1;
          sum += <f64>v;
          break;
        }
        h = seen;
      } else {
        h = atomic.load<u64>(ha);
      }
    }
  }
  store<i32>(out, n);
  store<f64>(out, sum, 8);
  return ok;
}
