// One end of an S7 run, in a process of its own (bench/scenarios/nats.mjs): argv = url, impl, role,
// subject, codec ("i32" | "bytes"), n. Prints "ready" once set up, waits for "go" on stdin, then
// sends or receives n values; a consumer prints { count, sum, orderOk, ms } (ms: from go to the last
// value verified).
import { connect } from "@nats-io/transport-node";
import { AckPolicy, RetentionPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { codecs } from "../../dist/index.js";
import { fromNats, toNats } from "../../dist/nats/index.js";

const [url, impl, role, subject, codecName, nStr] = process.argv.slice(2);
const n = Number(nStr);
const codec = codecName === "bytes" ? codecs.bytes(1024) : codecs.i32;
const nc = await connect({ servers: url, maxReconnectAttempts: -1 });
const go = new Promise((resolve) => process.stdin.once("data", resolve));

/** The value i as this codec carries it; and back. */
const payload = codecName === "bytes"
  ? (i) => { const b = new Uint8Array(1024); new DataView(b.buffer).setInt32(0, i, true); b[1023] = i & 255; return b; }
  : (i) => i;
const valueOf = codecName === "bytes" ? (b) => new DataView(b.buffer, b.byteOffset, b.length).getInt32(0, true) : (v) => v;
const bytesOf = codecName === "bytes" ? (i) => payload(i) : (i) => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, i, true); return b; };
const fromBytes = codecName === "bytes" ? (b) => new DataView(b.buffer, b.byteOffset, b.length).getInt32(0, true) : (b) => new DataView(b.buffer, b.byteOffset, b.length).getInt32(0, true);

const stream = `S7_${subject.replace(/\./g, "_")}`;
async function bareStream() {
  const jsm = await jetstreamManager(nc);
  // Unbounded (no back-pressure to handle): the baseline does less than the bridge, not more.
  try { await jsm.streams.add({ name: stream, subjects: [subject], retention: RetentionPolicy.Workqueue }); } catch { /* the other end made it */ }
  try { await jsm.consumers.add(stream, { durable_name: "bench", ack_policy: AckPolicy.Explicit, max_ack_pending: 65536 }); } catch { /* likewise */ }
  return jetstream(nc);
}

const result = { count: 0, sum: 0, orderOk: true, ms: 0 };
let expect = 0;
const take = (v) => { result.count++; result.sum += v; if (v !== expect) result.orderOk = false; expect = v + 1; };

if (impl === "bridge") {
  if (role === "send") {
    const out = await toNats(nc, { subject, codec, capacity: 1024 });
    console.log("ready");
    await go;
    for (let i = 0; i < n; i++) await out.chan.send(payload(i));
    out.chan.close();
    await out.done;
  } else {
    const inbox = await fromNats(nc, { subject, codec, credit: 256 });
    console.log("ready");
    await go;
    const t0 = performance.now();
    for await (const v of inbox.chan) take(valueOf(v));
    result.ms = performance.now() - t0;
  }
} else if (impl === "core") {
  if (role === "send") {
    console.log("ready");
    await go;
    for (let i = 0; i < n; i++) {
      nc.publish(subject, bytesOf(i));
      if ((i & 1023) === 1023) await nc.flush(); // keep the client's buffer bounded
    }
    await nc.flush();
  } else {
    const sub = nc.subscribe(subject);
    await nc.flush();
    console.log("ready");
    await go;
    const t0 = performance.now();
    for await (const m of sub) {
      take(fromBytes(m.data));
      if (result.count === n) break;
    }
    result.ms = performance.now() - t0;
  }
} else {
  // the bare JetStream client: "jetstream" awaits each publish; "jetstream-pipelined" keeps 256 in flight
  const js = await bareStream();
  if (role === "send") {
    console.log("ready");
    await go;
    const window = impl === "jetstream" ? 1 : 256;
    let inflight = [];
    for (let i = 0; i < n; i++) {
      inflight.push(js.publish(subject, bytesOf(i)));
      if (inflight.length >= window) { await Promise.all(inflight); inflight = []; }
    }
    await Promise.all(inflight);
  } else {
    const c = await js.consumers.get(stream, "bench");
    console.log("ready");
    await go;
    const t0 = performance.now();
    const msgs = await c.consume({ max_messages: 256 });
    for await (const m of msgs) {
      take(fromBytes(m.data));
      m.ack();
      if (result.count === n) break;
    }
    result.ms = performance.now() - t0;
  }
}
if (role === "recv") console.log(JSON.stringify(result));
await nc.drain();
process.exit(0);
