// Semantic probes: small checks of Go's channel semantics, run on every Promise-based impl. A peer
// that fails one is flagged in the report (and in the summary), not hidden. Each probe returns
// { status: "pass" | "fail" | "n/a", detail }.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Lets microtasks and a few macrotask turns run (ts-chan yields to the macrotask queue). */
const settle = () => sleep(15);

/** Tracks a promise's state without awaiting it. */
function track(p) {
  const t = { state: "pending", value: undefined };
  p.then((v) => { t.state = "resolved"; t.value = v; }, (e) => { t.state = "rejected"; t.value = e; });
  return t;
}

/** Resolves with the promise's value, or the `timeout` symbol after ms. */
const TIMEOUT = Symbol("timeout");
const within = (p, ms = 200) => Promise.race([p, sleep(ms).then(() => TIMEOUT)]);

const smallestCap = (impl) => (impl.cannot?.("unbuffered") ? 1 : 0);
const pass = (detail = "") => ({ status: "pass", detail });
const fail = (detail) => ({ status: "fail", detail });
const na = (detail) => ({ status: "n/a", detail });

export const probes = [
  {
    id: "fifo-receivers",
    title: "parked receivers are served in FIFO order",
    async run(impl) {
      const ch = impl.chan(smallestCap(impl));
      const rs = [ch.recv(), ch.recv(), ch.recv()];
      await settle();
      for (const v of [1, 2, 3]) ch.send(v).catch(() => {});
      const got = await within(Promise.all(rs));
      if (got === TIMEOUT) return fail("receivers not all woken");
      return got.join() === "1,2,3" ? pass() : fail(`got ${got.join(",")}`);
    },
  },
  {
    id: "close-drains",
    title: "close: buffered values still received in order, then the zero value (ok false)",
    async run(impl) {
      const ch = impl.chan(3);
      ch.send(1).catch(() => {});
      ch.send(2).catch(() => {});
      await settle();
      ch.close();
      const got = [];
      for (let i = 0; i < 3; i++) {
        const r = await within(ch.recvOk());
        if (r === TIMEOUT) return fail(`receive ${i + 1} after close hangs`);
        got.push(r);
      }
      const ok = got[0].value === 1 && got[0].ok && got[1].value === 2 && got[1].ok && !got[2].ok && got[2].value === undefined;
      return ok ? pass() : fail(`got ${got.map((r) => `(${String(r.value)}, ${r.ok})`).join(" ")}`);
    },
  },
  {
    id: "send-on-closed",
    title: "send on a closed channel rejects (Go panics)",
    async run(impl) {
      const ch = impl.chan(1);
      ch.close();
      let p;
      try {
        p = ch.send(1);
      } catch {
        return pass("throws synchronously");
      }
      const t = track(p);
      await settle();
      if (t.state === "rejected") return pass();
      if (t.state === "resolved") return fail(`resolves (${String(t.value)}) instead of rejecting`);
      return fail("stays pending");
    },
  },
  {
    id: "close-wakes-senders",
    title: "close rejects senders parked on the channel",
    async run(impl) {
      const cap = smallestCap(impl);
      const ch = impl.chan(cap);
      if (cap) ch.send(0).catch(() => {});
      const t = track(ch.send(1));
      await settle();
      if (t.state !== "pending") return na(`the send did not park (${t.state})`);
      ch.close();
      await settle();
      if (t.state === "rejected") return pass();
      if (t.state === "resolved") return fail(`parked send resolves (${String(t.value)}) instead of rejecting`);
      return fail("parked send stays pending after close (not rejected)");
    },
  },
  {
    id: "unbuffered-rendezvous",
    title: "unbuffered send resolves only after a receiver took the value",
    async run(impl) {
      const why = impl.cannot?.("unbuffered");
      if (why) return na(why);
      const ch = impl.chan(0);
      const t = track(ch.send(7));
      await settle();
      if (t.state !== "pending") return fail(`send ${t.state} with no receiver`);
      const v = await within(ch.recv());
      await settle();
      if (v !== 7) return fail(`receiver got ${String(v)}`);
      return t.state === "resolved" ? pass() : fail(`send ${t.state} after the value was taken`);
    },
  },
  {
    id: "buffered-send-completes",
    title: "a send into a buffer with room completes without a receiver",
    async run(impl) {
      const ch = impl.chan(1);
      const t = track(ch.send(1));
      await settle();
      return t.state === "resolved" ? pass() : fail(`send ${t.state} until the value is read`);
    },
  },
  {
    id: "select-fair",
    title: "select over 2 ready channels picks each about half the time (χ², 1000 selects)",
    async run(impl) {
      if (!impl.select) return na("no select");
      const a = impl.chan(4), b = impl.chan(4);
      for (let i = 0; i < 2; i++) { a.send(0).catch(() => {}); b.send(0).catch(() => {}); }
      await settle();
      const cases = [impl.recv(a), impl.recv(b)];
      const counts = [0, 0];
      const N = 1000;
      for (let i = 0; i < N; i++) {
        const r = await within(impl.select(cases), 1000);
        if (r === TIMEOUT) return fail("select hangs with both channels ready");
        counts[r.index]++;
        [a, b][r.index].send(0).catch(() => {}); // keep both ready
      }
      const chi2 = (counts[0] - counts[1]) ** 2 / N; // χ² with 1 degree of freedom
      const detail = `${counts[0]}/${counts[1]}, χ²=${chi2.toFixed(1)}`;
      return chi2 < 10.83 ? pass(detail) : fail(`unfair: ${detail} (p < 0.001)`);
    },
  },
  {
    id: "select-no-steal",
    title: "a losing select case does not take a later value",
    async run(impl) {
      if (!impl.select) return na("no select");
      const cap = smallestCap(impl);
      const a = impl.chan(cap), b = impl.chan(cap);
      const s = impl.select([impl.recv(a), impl.recv(b)]);
      await settle();
      a.send(1).catch(() => {});
      const r = await within(s);
      if (r === TIMEOUT) return fail("select not woken by a send");
      if (r.index !== 0 || r.value !== 1) return fail(`select got case ${r.index} value ${String(r.value)}`);
      await settle();
      b.send(2).catch(() => {});
      const v = await within(b.recv());
      if (v === TIMEOUT) return fail("a later value on the losing channel was taken by the finished select (lost)");
      return v === 2 ? pass() : fail(`later receive got ${String(v)}`);
    },
  },
  {
    id: "select-one-value",
    title: "two cases ready in the same tick: one is chosen, the other value stays in its channel",
    async run(impl) {
      if (!impl.select) return na("no select");
      const cap = smallestCap(impl);
      const a = impl.chan(cap), b = impl.chan(cap);
      const s = impl.select([impl.recv(a), impl.recv(b)]);
      await settle();
      a.send(1).catch(() => {});
      b.send(2).catch(() => {});
      const r = await within(s);
      if (r === TIMEOUT) return fail("select not woken");
      const other = r.index === 0 ? b : a;
      const v = await within(other.recv());
      if (v === TIMEOUT) return fail(`select chose case ${r.index}; the other value was lost`);
      return v === (r.index === 0 ? 2 : 1) ? pass() : fail(`other channel gave ${String(v)}`);
    },
  },
];

/** Runs every probe on an impl; a probe that throws is a fail with the error. */
export async function runProbes(impl) {
  const out = {};
  for (const p of probes) {
    if (impl.sync) { out[p.id] = na("no Promise operations"); continue; }
    try {
      out[p.id] = await p.run(impl);
    } catch (e) {
      out[p.id] = fail(`threw: ${String(e?.message ?? e).split("\n")[0]}`);
    }
  }
  return out;
}
