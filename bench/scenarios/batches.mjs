// B1: what a batch costs against single sends, for bytes(1024) values (issue 19: "sendMany on bytes(n)
// costs no more per value than single sends"). One thread moves n values through a chan(256,
// bytes(1024)): 256 stamped values sent per round — one `await send` each, one `trySend` each, or one
// `sendMany` — then received with one recvMany(256), each value checked (its stamp: count and order).
// The three forms take turns within each round, on each core and memory; ratio: `await send`'s time /
// this (sendMany has the semantics of that many sends; above 1× the batch is cheaper per value). Every
// form copies each value once (the snapshot the receiver gets): a 1 KB allocation, 0.5–3.5 µs here
// depending on the allocator's state, which dominates and moves medians by ±15% between runs.

const N = 51_200;
const BYTES = 1024;

const FORMS = [
  { name: "send", label: "await ch.send(v) per value" },
  { name: "trySend", label: "ch.trySend(v) per value" },
  { name: "sendMany", label: "await ch.sendMany(256 values)" },
];

/** Moves n stamped values; returns ns per value. Throws if any value is lost, repeated or reordered. */
async function runOnce(ch, form, n) {
  const vals = Array.from({ length: 256 }, () => new Uint8Array(BYTES));
  let next = 0;
  const t0 = performance.now();
  for (let base = 0; base < n; base += 256) {
    for (let j = 0; j < 256; j++) {
      const v = vals[j], i = base + j;
      v[0] = i & 255, v[1] = (i >>> 8) & 255, v[2] = i >>> 16, v[BYTES - 1] = j;
    }
    if (form === "sendMany") await ch.sendMany(vals);
    else if (form === "send") for (let j = 0; j < 256; j++) await ch.send(vals[j]);
    else for (let j = 0; j < 256; j++) if (!ch.trySend(vals[j])) throw new Error("B1: trySend found chan(256) full");
    const rs = await ch.recvMany(256);
    if (rs.length !== 256) throw new Error(`verification failed: B1 ${form}: ${rs.length} of 256 values`);
    for (let j = 0; j < rs.length; j++) {
      const r = rs[j];
      if (r === vals[j]) throw new Error(`verification failed: B1 ${form}: the receiver got the sender's own array`);
      if (r.length !== BYTES || r[0] + (r[1] << 8) + (r[2] << 16) !== next || r[BYTES - 1] !== next % 256) throw new Error(`verification failed: B1 ${form}: value ${next} wrong`);
      next++;
    }
  }
  const t1 = performance.now();
  if (next !== n) throw new Error(`verification failed: B1 ${form}: ${next} of ${n}`);
  return ((t1 - t0) * 1e6) / n;
}

function scenario(id, core, what) {
  return {
    id, kind: "batches", unit: "ns/msg", floor: "send",
    title: `sendMany vs single sends, bytes(1024), ${what}`,
    description: `${N.toLocaleString("en")} bytes(1024) values (256 a round, each stamped) through a chan(256) on one thread: sent one \`await send\` each, one \`trySend\` each, or one \`sendMany\` a round; received with recvMany(256) and checked (count, order, contents). The forms take turns within each round.`,
    subjects: () => FORMS,
    async measureAll(subjects, ctx) {
      const make = await core();
      const rounds = ctx.quick ? 2 : 9;
      const n = ctx.quick ? 2560 : N;
      const samples = new Map(subjects.map((s) => [s.name, []]));
      for (const s of subjects) await runOnce(make(), s.name, n); // warm-up
      for (let round = 0; round < rounds; round++) {
        for (let j = 0; j < subjects.length; j++) {
          const s = subjects[(j + round) % subjects.length];
          const ch = make();
          samples.get(s.name).push(await runOnce(ch, s.name, n));
          ch.dispose?.();
          ctx.progress?.(".");
        }
      }
      return new Map(subjects.map((s) => [s.name, { samples: samples.get(s.name), messagesPerRun: n, messagesVerified: n * (rounds + 1) }]));
    },
  };
}

export const scenarios = [
  scenario("B1-wasm", async () => {
    const { chan, codecs } = await import("wasmchan");
    return () => chan(256, codecs.bytes(BYTES));
  }, "Wasm core, local"),
  scenario("B1-shared", async () => {
    const { SharedHeap, codecs } = await import("wasmchan");
    const heap = await SharedHeap.create({ maxBytes: 16 << 20 });
    return () => heap.chan(256, codecs.bytes(BYTES));
  }, "Wasm core, SharedHeap"),
  scenario("B1-pure", async () => {
    const { chan, codecs } = await import("wasmchan/pure");
    return () => chan(256, codecs.bytes(BYTES));
  }, "pure-TS core"),
];
