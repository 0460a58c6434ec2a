// fifo: a queue of JS values in a ring that doubles when full and never shrinks while in use: what a
// channel keeps of its plain parked ops (their resolvers), oldest first. Pushing and shifting never
// resize the array (setting an array's length reallocates its store: measured at ~5% of a park).
export class Fifo<T> {
  private a: (T | undefined)[] = [undefined, undefined, undefined, undefined];
  private head = 0;
  /** Entries queued. */
  len = 0;

  push(v: T): void {
    if (this.len === this.a.length) this.grow();
    this.a[(this.head + this.len++) & (this.a.length - 1)] = v;
  }

  /** The oldest entry, removed; the caller knows the queue is not empty. */
  shift(): T {
    const a = this.a;
    const i = this.head;
    const v = a[i] as T;
    a[i] = undefined;
    this.head = (i + 1) & (a.length - 1);
    this.len--;
    return v;
  }

  private grow(): void {
    const a = this.a;
    const n = a.length;
    const b: (T | undefined)[] = [];
    for (let i = 0; i < n; i++) b.push(a[(this.head + i) & (n - 1)]);
    for (let i = n; i < 2 * n; i++) b.push(undefined);
    this.a = b;
    this.head = 0;
  }
}
