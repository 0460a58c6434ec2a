// @thi.ng/csp: channel(cap).write(v)/read(); offer/poll are its non-blocking forms; select(...chans)
// → [value, channel] (always the first ready channel). No unbuffered channel: capacity 0 is not valid.
// A write's Promise resolves only once the value is read (even when buffered), so awaiting a
// buffered send before receiving would deadlock: the scenarios never do that.
import { channel, select } from "@thi.ng/csp";

export default {
  name: "thing-csp", label: "@thi.ng/csp",
  chan(cap) {
    if (cap < 1) throw new RangeError("@thi.ng/csp has no unbuffered channel");
    const c = channel(cap);
    return {
      c,
      send: (v) => c.write(v),
      recv: () => c.read(),
      recvOk: () => c.read().then((v) => (v === undefined ? { value: undefined, ok: false } : { value: v, ok: true })),
      trySend: (v) => c.offer(v),
      tryRecv: () => {
        const v = c.poll();
        if (v !== undefined) return { value: v, ok: true };
        return c.closed() ? { value: undefined, ok: false } : undefined;
      },
      close: () => c.close(),
    };
  },
  recv: (ch) => ch,
  maxParked: 1024, // MAX_READS: a read beyond 1024 parked ones resolves undefined at once
  async select(cases) {
    const [v, c] = await select(...cases.map((ch) => ch.c));
    const index = cases.findIndex((ch) => ch.c === c);
    return { index, value: v, ok: v !== undefined };
  },
  cannot: (need) => (need === "unbuffered" ? "no unbuffered channel in @thi.ng/csp (capacity ≥ 1)" : undefined),
};
