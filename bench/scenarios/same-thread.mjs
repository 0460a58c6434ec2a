// Same-thread scenarios. Each run moves `n` messages and verifies them: count, sum and order where
// order is defined. A run that loses or duplicates a message throws, failing the benchmark.
// `needs` lists what an impl must offer ("unbuffered", "select", "trySend", "async"); `runSync` is the
// same data movement without Promises, for floor-sync.

export function check(cond, what) {
  if (!cond) throw new Error(`verification failed: ${what}`);
}

export const S1 = {
  id: "S1",
  title: "buffered(128), one producer → one consumer",
  n: 10_000,
  needs: ["async"],
  async run(impl, n) {
    const ch = impl.chan(128);
    const producer = (async () => { for (let i = 0; i < n; i++) await ch.send(i); })();
    let next = 0;
    for (let i = 0; i < n; i++) {
      const v = await ch.recv();
      check(v === next++, `S1 FIFO: got ${v}`);
    }
    await producer;
    return { messages: n, sum: (n * (n - 1)) / 2 };
  },
  runSync(impl, n) {
    const ch = impl.chan(128);
    let sent = 0, next = 0;
    while (next < n) {
      while (sent < n && ch.trySend(sent)) sent++;
      while (ch.len > 0) check(ch.shift() === next++, "S1 FIFO");
    }
    return { messages: n };
  },
};

// S1 with the consumer started first — a `for await` loop set up before its producer, the README's
// worker-pool shape: every receive finds the buffer empty and parks, and every send hands its value to
// a parked receiver.
export const S1c = {
  id: "S1c",
  title: "buffered(128), consumer started first (every receive parks)",
  n: 10_000,
  needs: ["async"],
  async run(impl, n) {
    const ch = impl.chan(128);
    let next = 0;
    const consumer = (async () => {
      for (let i = 0; i < n; i++) {
        const v = await ch.recv();
        check(v === next++, `S1c FIFO: got ${v}`);
      }
    })();
    for (let i = 0; i < n; i++) await ch.send(i);
    await consumer;
    check(next === n, "S1c count");
    return { messages: n, sum: (n * (n - 1)) / 2 };
  },
  runSync: S1.runSync, // without Promises nothing parks: the same data movement as S1
};

export const S2 = {
  id: "S2",
  title: "unbuffered ping-pong (messages = round trips × 2)",
  n: 5_000,
  needs: ["async", "unbuffered"],
  async run(impl, n) {
    const ping = impl.chan(0), pong = impl.chan(0);
    const rounds = n >> 1;
    const echo = (async () => { for (let i = 0; i < rounds; i++) await pong.send((await ping.recv()) + 1); })();
    let sum = 0;
    for (let i = 0; i < rounds; i++) {
      await ping.send(i);
      const v = await pong.recv();
      check(v === i + 1, `S2 echo: sent ${i}, got ${v}`);
      sum += v;
    }
    await echo;
    return { messages: rounds * 2, sum };
  },
  runSync(impl, n) {
    // a one-slot array each way stands in for the rendezvous
    const ping = impl.chan(1), pong = impl.chan(1);
    const rounds = n >> 1;
    for (let i = 0; i < rounds; i++) {
      ping.trySend(i);
      pong.trySend(ping.shift() + 1);
      check(pong.shift() === i + 1, "S2 echo");
    }
    return { messages: rounds * 2 };
  },
};

export const S3 = {
  id: "S3",
  title: "fan-in: 4 producers → 1 consumer, buffered(128)",
  n: 10_000,
  needs: ["async"],
  async run(impl, n) {
    const ch = impl.chan(128);
    const per = n >> 2;
    const producers = [0, 1, 2, 3].map(async (p) => { for (let i = 0; i < per; i++) await ch.send(p * per + i); });
    const next = [0, 0, 0, 0];
    let sum = 0;
    for (let i = 0; i < 4 * per; i++) {
      const v = await ch.recv();
      const p = Math.floor(v / per);
      check(v - p * per === next[p]++, `S3 per-producer FIFO: ${v}`);
      sum += v;
    }
    await Promise.all(producers);
    const total = 4 * per;
    check(sum === (total * (total - 1)) / 2, "S3 sum");
    return { messages: total, sum };
  },
  runSync(impl, n) {
    const ch = impl.chan(128);
    const per = n >> 2;
    const sent = [0, 0, 0, 0], next = [0, 0, 0, 0];
    let got = 0, sum = 0;
    while (got < 4 * per) {
      for (let p = 0; p < 4; p++) if (sent[p] < per && ch.trySend(p * per + sent[p])) sent[p]++;
      while (ch.len > 0) {
        const v = ch.shift();
        const p = Math.floor(v / per);
        check(v - p * per === next[p]++, "S3 per-producer FIFO");
        sum += v;
        got++;
      }
    }
    check(sum === (got * (got - 1)) / 2, "S3 sum");
    return { messages: got };
  },
};

export const S4 = {
  id: "S4",
  title: "select over 4 buffered(32) channels, 4 producers",
  n: 8_000,
  needs: ["async", "select"],
  async run(impl, n) {
    const chans = [0, 1, 2, 3].map(() => impl.chan(32));
    const per = n >> 2;
    const producers = chans.map(async (ch, p) => { for (let i = 0; i < per; i++) await ch.send(p * per + i); });
    const cases = chans.map((c) => impl.recv(c));
    const next = [0, 0, 0, 0];
    let sum = 0;
    for (let i = 0; i < 4 * per; i++) {
      const { index, value } = await impl.select(cases);
      check(value - index * per === next[index]++, `S4 per-channel FIFO: ${value} on ${index}`);
      sum += value;
    }
    await Promise.all(producers);
    const total = 4 * per;
    check(sum === (total * (total - 1)) / 2, "S4 sum");
    return { messages: total, sum };
  },
  runSync(impl, n) {
    const chans = [0, 1, 2, 3].map(() => impl.chan(32));
    const per = n >> 2;
    const sent = [0, 0, 0, 0], next = [0, 0, 0, 0];
    let got = 0, sum = 0;
    while (got < 4 * per) {
      for (let p = 0; p < 4; p++) while (sent[p] < per && chans[p].trySend(p * per + sent[p])) sent[p]++;
      for (let i; (i = impl.selectSync(chans)) >= 0; ) {
        const v = chans[i].shift();
        check(v - i * per === next[i]++, "S4 per-channel FIFO");
        sum += v;
        got++;
      }
    }
    check(sum === (got * (got - 1)) / 2, "S4 sum");
    return { messages: got };
  },
};

export const S6 = {
  id: "S6",
  title: "synchronous core: trySend ×128 then tryRecv ×128, buffered(128)",
  n: 100_000,
  needs: ["trySend"],
  async run(impl, n) {
    return this.runSync(impl, n);
  },
  runSync(impl, n) {
    const ch = impl.chan(128);
    let sum = 0, got = 0;
    for (let base = 0; base < n; base += 128) {
      const m = Math.min(128, n - base);
      for (let i = 0; i < m; i++) check(ch.trySend(base + i), "S6 trySend");
      for (let i = 0; i < m; i++) {
        const r = ch.tryRecv();
        check(r !== undefined && r.value === base + i, "S6 order");
        sum += r.value;
        got++;
      }
    }
    check(got === n && sum === (n * (n - 1)) / 2, "S6 sum");
    return { messages: n, sum };
  },
};

export const MAKE = {
  id: "make",
  title: "channel creation: make(1) + send + recv",
  n: 10_000,
  needs: ["async"],
  async run(impl, n) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const ch = impl.chan(1);
      const s = ch.send(i); // not awaited first: @thi.ng/csp resolves a buffered send only once it is read
      sum += await ch.recv();
      await s;
    }
    check(sum === (n * (n - 1)) / 2, "make sum");
    return { messages: n, sum };
  },
  runSync(impl, n) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const ch = impl.chan(1);
      ch.trySend(i);
      sum += ch.shift();
    }
    check(sum === (n * (n - 1)) / 2, "make sum");
    return { messages: n };
  },
};

export const scenarios = [S1, S1c, S2, S3, S4, S6, MAKE].map((s) => ({ ...s, kind: "same-thread", unit: "ns/msg" }));
