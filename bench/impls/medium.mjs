// medium: put/take functions on a channel object; take resolves to the CLOSED symbol once closed;
// put on a closed channel resolves false; select is any(...ports) → [value, channel]. No trySend/tryRecv.
// A receive of a value equal to CLOSED cannot happen here (the scenarios send numbers).
import medium from "medium";

const { chan, put, take, close, any, CLOSED } = medium;

export default {
  name: "medium", label: "medium",
  chan(cap) {
    // medium's unbuffered channel is chan() (buffers.base()); chan(0) would be a fixed(0) buffer
    // whose puts are never delivered
    const c = cap === 0 ? chan() : chan(cap);
    return {
      c,
      send: (v) => put(c, v),
      recv: () => take(c),
      recvOk: () => take(c).then((v) => (v === CLOSED ? { value: undefined, ok: false } : { value: v, ok: true })),
      close: () => close(c),
    };
  },
  recv: (ch) => ch,
  async select(cases) {
    const [v, c] = await any(...cases.map((ch) => ch.c));
    const index = cases.findIndex((ch) => ch.c === c);
    return v === CLOSED ? { index, value: undefined, ok: false } : { index, value: v, ok: true };
  },
  cannot: (need) => (need === "trySend" ? "no non-blocking trySend/tryRecv in medium's API" : undefined),
};
