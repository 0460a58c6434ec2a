// Consumer-side verification for S5: count, sum, and per-producer order (producer p sends
// p * per + i for i = 0, 1, ...: each consumer must see every producer's values increasing).
export class Tally {
  constructor(per, producers = 4) {
    this.per = per;
    this.last = new Float64Array(producers).fill(-1);
    this.count = 0;
    this.sum = 0;
    this.orderOk = true;
  }
  add(v) {
    const p = Math.floor(v / this.per);
    if (!(v > this.last[p])) this.orderOk = false;
    this.last[p] = v;
    this.count++;
    this.sum += v;
  }
  result() {
    return { count: this.count, sum: this.sum, orderOk: this.orderOk };
  }
}
