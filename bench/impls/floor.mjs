// The floor: the smallest correct Promise channel one would write by hand (buffered FIFO, parked
// receivers and senders served FIFO, close). Every ratio in the report is taken against it.
// No select fairness, no cancellation, no typed slots: only what the scenarios need.

class Ring {
  constructor(cap) {
    this.a = new Array(Math.max(cap, 1));
    this.head = 0;
    this.len = 0;
  }
  push(v) {
    const a = this.a;
    a[(this.head + this.len++) % a.length] = v;
  }
  shift() {
    const a = this.a;
    const v = a[this.head];
    a[this.head] = undefined;
    this.head = (this.head + 1) % a.length;
    this.len--;
    return v;
  }
}

const RESOLVED = Promise.resolve();

export class FloorChan {
  constructor(cap = 0) {
    this.cap = cap;
    this.buf = new Ring(cap);
    this.recvq = new Ring(16); // [resolve, wantsOk, select state or null]
    this.sendq = new Ring(16); // [value, resolve, reject]
    this.closed = false;
  }
  static grow(q) {
    if (q.len < q.a.length) return;
    const n = new Ring(q.a.length * 2);
    while (q.len) n.push(q.shift());
    q.a = n.a; q.head = n.head; q.len = n.len;
  }
  send(v) {
    if (this.closed) return Promise.reject(new Error("send on closed channel"));
    if (this.recvq.len && this.wake(v, true)) return RESOLVED;
    if (this.buf.len < this.cap) { this.buf.push(v); return RESOLVED; }
    return new Promise((resolve, reject) => { FloorChan.grow(this.sendq); this.sendq.push([v, resolve, reject]); });
  }
  /** Hands v to the first live parked receiver; false if there is none (dead select entries are dropped). */
  wake(v, ok) {
    while (this.recvq.len) {
      const [resolve, wantsOk, sel] = this.recvq.shift();
      if (sel !== null) {
        if (sel.done) continue;
        sel.done = true;
        resolve({ index: sel.index.get(this), value: v, ok });
        return true;
      }
      resolve(wantsOk ? { value: v, ok } : v);
      return true;
    }
    return false;
  }
  recv() {
    return this.receive(false);
  }
  recvOk() {
    return this.receive(true);
  }
  receive(wantsOk) {
    let v;
    if (this.buf.len) {
      v = this.buf.shift();
      if (this.sendq.len) { const [sv, res] = this.sendq.shift(); this.buf.push(sv); res(); }
    } else if (this.sendq.len) {
      const [sv, res] = this.sendq.shift();
      res();
      v = sv;
    } else if (this.closed) {
      return Promise.resolve(wantsOk ? { value: undefined, ok: false } : undefined);
    } else {
      return new Promise((resolve) => { FloorChan.grow(this.recvq); this.recvq.push([resolve, wantsOk, null]); });
    }
    return Promise.resolve(wantsOk ? { value: v, ok: true } : v);
  }
  trySend(v) {
    if (this.closed) throw new Error("send on closed channel");
    if (this.recvq.len && this.wake(v, true)) return true;
    if (this.buf.len < this.cap) { this.buf.push(v); return true; }
    return false;
  }
  tryRecv() {
    if (this.buf.len) {
      const v = this.buf.shift();
      if (this.sendq.len) { const [sv, res] = this.sendq.shift(); this.buf.push(sv); res(); }
      return { value: v, ok: true };
    }
    if (this.sendq.len) { const [sv, res] = this.sendq.shift(); res(); return { value: sv, ok: true }; }
    return this.closed ? { value: undefined, ok: false } : undefined;
  }
  close() {
    if (this.closed) throw new Error("close of closed channel");
    this.closed = true;
    while (this.recvq.len) this.wake(undefined, false);
    while (this.sendq.len) this.sendq.shift()[2](new Error("send on closed channel"));
  }
}

/** A minimal select over receive cases: poll from a random start, else park on every channel;
 *  the first channel to deliver wins, the other registrations are skipped when reached. */
function select(cases) {
  const n = cases.length;
  const start = (Math.random() * n) | 0;
  for (let k = 0; k < n; k++) {
    const i = (start + k) % n;
    const r = cases[i].tryRecv();
    if (r !== undefined) return Promise.resolve({ index: i, value: r.value, ok: r.ok });
  }
  return new Promise((resolve) => {
    const sel = { done: false, index: new Map() };
    for (let i = 0; i < n; i++) {
      const ch = cases[i];
      sel.index.set(ch, i);
      FloorChan.grow(ch.recvq);
      ch.recvq.push([resolve, true, sel]);
    }
  });
}

export default {
  name: "floor", isFloor: true,
  label: "hand-written Promise channel (the floor)",
  chan: (cap) => new FloorChan(cap),
  select,
  recv: (ch) => ch,
};
