// floor-sync: raw arrays, no Promises at all. The scenarios run their `runSync` form with it: the same
// data movement done by plain loops (fill, drain, alternate), i.e. what moving the values costs
// without any scheduling. A lower bound, not a channel: nothing ever blocks.

class SyncRing {
  constructor(cap) {
    this.a = new Array(Math.max(cap, 1));
    this.cap = cap;
    this.head = 0;
    this.len = 0;
  }
  trySend(v) {
    if (this.len >= this.a.length) return false;
    const a = this.a;
    let i = this.head + this.len++;
    if (i >= a.length) i -= a.length;
    a[i] = v;
    return true;
  }
  tryRecv() {
    if (this.len === 0) return undefined;
    const v = this.a[this.head];
    this.a[this.head] = undefined;
    if (++this.head === this.a.length) this.head = 0;
    this.len--;
    return { value: v, ok: true };
  }
  /** The value itself (no result object), for the plain loops. */
  shift() {
    const v = this.a[this.head];
    this.a[this.head] = undefined;
    if (++this.head === this.a.length) this.head = 0;
    this.len--;
    return v;
  }
}

export default {
  name: "floor-sync", label: "raw arrays, no Promises (floor-sync)", sync: true,
  chan: (cap) => new SyncRing(cap),
  /** Index of a ready channel, polled from a random start (select without parking), or -1. */
  selectSync(chans) {
    const n = chans.length;
    const start = (Math.random() * n) | 0;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (chans[i].len > 0) return i;
    }
    return -1;
  },
  cannot: (need) => (need === "async" ? "floor-sync has no Promise operations (no parking)" : undefined),
};
