// The S5 floor: minimal rings of int32 over a SharedArrayBuffer, blocking with Atomics.wait/notify.
// SpscRing: one producer, one consumer, lock-free (head/tail words), a short spin before sleeping.
// MpmcRing: any number of producers and consumers, a futex mutex (Drepper's three-state lock) and two
// wait words (not-empty, not-full) whose sequence numbers are bumped under the lock; close() wakes all.
// Nothing else: no select, no cancellation, no codecs.

const SPIN = 100;

export class SpscRing {
  // words: 0 head (reads done), 1 tail (writes done), 2 consumer sleeping, 3 producer sleeping
  static create(cap) {
    return new SharedArrayBuffer(16 + cap * 4);
  }
  constructor(sab) {
    this.w = new Int32Array(sab, 0, 4);
    this.data = new Int32Array(sab, 16);
    this.cap = this.data.length;
  }
  send(v) {
    const w = this.w, cap = this.cap;
    const t = w[1]; // only we write the tail
    for (let spins = 0; ((t - Atomics.load(w, 0)) | 0) >= cap; spins++) {
      if (spins < SPIN) continue;
      Atomics.store(w, 3, 1);
      const h = Atomics.load(w, 0);
      if (((t - h) | 0) >= cap) Atomics.wait(w, 0, h);
      Atomics.store(w, 3, 0);
    }
    this.data[t % cap] = v;
    Atomics.store(w, 1, (t + 1) | 0);
    if (Atomics.load(w, 2) !== 0) Atomics.notify(w, 1);
  }
  recv() {
    const w = this.w;
    const h = w[0]; // only we write the head
    for (let spins = 0; Atomics.load(w, 1) === h; spins++) {
      if (spins < SPIN) continue;
      Atomics.store(w, 2, 1);
      if (Atomics.load(w, 1) === h) Atomics.wait(w, 1, h);
      Atomics.store(w, 2, 0);
    }
    const v = this.data[h % this.cap];
    Atomics.store(w, 0, (h + 1) | 0);
    if (Atomics.load(w, 3) !== 0) Atomics.notify(w, 0);
    return v;
  }
}

// MpmcRing words
const LOCK = 0, HEAD = 1, COUNT = 2, NOT_EMPTY = 3, NOT_FULL = 4, CLOSED = 5, WAIT_R = 6, WAIT_S = 7;

export class MpmcRing {
  static create(cap) {
    return new SharedArrayBuffer(32 + cap * 4);
  }
  constructor(sab) {
    this.w = new Int32Array(sab, 0, 8);
    this.data = new Int32Array(sab, 32);
    this.cap = this.data.length;
    this.ok = true;
  }
  lock() {
    const w = this.w;
    let c = Atomics.compareExchange(w, LOCK, 0, 1);
    if (c === 0) return;
    for (let i = 0; i < SPIN; i++) {
      if (Atomics.load(w, LOCK) === 0 && (c = Atomics.compareExchange(w, LOCK, 0, 1)) === 0) return;
    }
    if (c !== 2) c = Atomics.exchange(w, LOCK, 2);
    while (c !== 0) {
      Atomics.wait(w, LOCK, 2);
      c = Atomics.exchange(w, LOCK, 2);
    }
  }
  unlock() {
    if (Atomics.sub(this.w, LOCK, 1) !== 1) {
      Atomics.store(this.w, LOCK, 0);
      Atomics.notify(this.w, LOCK, 1);
    }
  }
  send(v) {
    const w = this.w;
    this.lock();
    while (w[COUNT] === this.cap && w[CLOSED] === 0) {
      w[WAIT_S]++;
      const seq = w[NOT_FULL];
      this.unlock();
      Atomics.wait(w, NOT_FULL, seq);
      this.lock();
      w[WAIT_S]--;
    }
    if (w[CLOSED] !== 0) { this.unlock(); throw new Error("send on closed channel"); }
    let i = w[HEAD] + w[COUNT]++;
    if (i >= this.cap) i -= this.cap;
    this.data[i] = v;
    const wake = w[WAIT_R] > 0;
    if (wake) Atomics.add(w, NOT_EMPTY, 1);
    this.unlock();
    if (wake) Atomics.notify(w, NOT_EMPTY, 1);
  }
  /** The next value; sets `this.ok = false` (and returns 0) once closed and drained. */
  recv() {
    const w = this.w;
    this.lock();
    while (w[COUNT] === 0 && w[CLOSED] === 0) {
      w[WAIT_R]++;
      const seq = w[NOT_EMPTY];
      this.unlock();
      Atomics.wait(w, NOT_EMPTY, seq);
      this.lock();
      w[WAIT_R]--;
    }
    if (w[COUNT] === 0) { this.unlock(); this.ok = false; return 0; }
    const h = w[HEAD];
    const v = this.data[h];
    w[HEAD] = h + 1 === this.cap ? 0 : h + 1;
    w[COUNT]--;
    const wake = w[WAIT_S] > 0;
    if (wake) Atomics.add(w, NOT_FULL, 1);
    this.unlock();
    if (wake) Atomics.notify(w, NOT_FULL, 1);
    this.ok = true;
    return v;
  }
  close() {
    const w = this.w;
    this.lock();
    w[CLOSED] = 1;
    Atomics.add(w, NOT_EMPTY, 1);
    Atomics.add(w, NOT_FULL, 1);
    this.unlock();
    Atomics.notify(w, NOT_EMPTY);
    Atomics.notify(w, NOT_FULL);
  }
}
