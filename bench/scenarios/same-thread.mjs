// Same-thread scenarios. Each run moves `n` messages and verifies them: count, sum and order where
// order is defined. A run that loses or duplicates a message throws, failing the benchmark.

function check(cond, what) {
  if (!cond) throw new Error(`verification failed: ${what}`);
}

export const S1 = {
  id: "S1",
  title: "buffered(128), one producer → one consumer",
  n: 10_000,
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
};

export const S2 = {
  id: "S2",
  title: "unbuffered ping-pong (messages = round trips × 2)",
  n: 5_000,
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
};

export const S3 = {
  id: "S3",
  title: "fan-in: 4 producers → 1 consumer, buffered(128)",
  n: 10_000,
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
};

export const S4 = {
  id: "S4",
  title: "select over 4 buffered(32) channels, 4 producers",
  n: 8_000,
  supports: (impl) => typeof impl.select === "function",
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
};

export const S6 = {
  id: "S6",
  title: "synchronous core: trySend ×128 then tryRecv ×128, buffered(128)",
  n: 100_000,
  async run(impl, n) {
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
  async run(impl, n) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const ch = impl.chan(1);
      check(ch.trySend(i), "make trySend");
      sum += ch.tryRecv().value;
    }
    check(sum === (n * (n - 1)) / 2, "make sum");
    return { messages: n, sum };
  },
};

export const scenarios = [S1, S2, S3, S4, S6, MAKE];
