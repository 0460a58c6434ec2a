// ts-chan (default: every op yields to the macrotask queue). recv() returns an IteratorResult, so the
// adapter adds one `.then` to unwrap it; select reuses one `Select` per cases array, as its docs advise.
import { Chan, Select, recv as recvCase, send as sendCase } from "ts-chan";

export function tsChan(unsafe) {
  const selects = new WeakMap();
  const wrap = (c) => ({
    c,
    send: (v) => c.send(v),
    recv: () => c.recv().then((r) => r.value),
    recvOk: () => c.recv().then((r) => ({ value: r.value, ok: !r.done })),
    trySend: (v) => c.trySend(v),
    tryRecv: () => {
      const r = c.tryRecv();
      return r === undefined ? undefined : { value: r.value, ok: !r.done };
    },
    close: () => c.close(),
  });
  return {
    name: unsafe ? "ts-chan-unsafe" : "ts-chan",
    label: unsafe ? "ts-chan, setUnsafe(true)" : "ts-chan (default)",
    chan: (cap) => wrap(unsafe ? new Chan(cap).setUnsafe(true) : new Chan(cap)),
    recv: (ch) => ({ kind: "recv", ch }),
    send: (ch, v) => ({ kind: "send", ch, v }),
    async select(cases) {
      let sel = selects.get(cases);
      if (!sel) {
        sel = new Select(cases.map((k) => (k.kind === "recv" ? recvCase(k.ch.c) : sendCase(k.ch.c, () => k.v))));
        if (unsafe) sel.setUnsafe(true);
        selects.set(cases, sel);
      }
      const index = await sel.wait();
      if (cases[index].kind === "send") return { index, value: undefined, ok: true };
      const r = sel.recv(sel.cases[index]);
      return { index, value: r.value, ok: !r.done };
    },
  };
}

export default tsChan(false);
