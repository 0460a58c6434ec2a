// A process at one end of a NATS subject (test/nats.test.ts): argv = url, role, subject, codec, args.
//   send <from> <to> [close]: sends from..to-1 through toNats, closes the subject if "close"
//   recv: receives until the subject is closed; prints the values as JSON
//   recv-slow <ms>: the same, waiting ms after each value (to be killed mid-stream)
// With READY_FILE set, it writes `${READY_FILE}.<role>` once its end of the subject is set up.
import { writeFileSync } from "node:fs";
import { connect } from "@nats-io/transport-node";
import { codecs } from "wasmchan";
import { fromNats, toNats } from "wasmchan/nats";

const [url, role, subject, codecName, ...args] = process.argv.slice(2);
const codec = codecName === "string" ? codecs.string(32) : codecName === "bytes" ? codecs.bytes(1024) : codecs[codecName];
const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
const ackWaitMs = Number(process.env.ACK_WAIT_MS ?? 5000);
if (role === "send") {
  const [from, to, close] = [Number(args[0]), Number(args[1]), args[2] === "close"];
  const out = await toNats(nc, { subject, codec, capacity: 256, ackWaitMs });
  ready();
  out.done.catch((e) => console.error("toNats failed:", e)); // says why, if the sends below fail
  for (let v = from; v < to; v++) await out.chan.send(codecName === "string" ? `v${v}` : v);
  if (close) {
    out.chan.close();
    await out.done;
  } else {
    await out.flush(); // the last value taken is stored before this process goes
  }
  console.log(JSON.stringify({ sent: to - from }));
} else {
  const wait = role === "recv-slow" ? Number(args[0]) : 0;
  const inbox = await fromNats(nc, { subject, codec, credit: 16, ackWaitMs });
  ready();
  const got = [];
  for await (const v of inbox.chan) {
    got.push(v);
    if (wait) {
      process.stdout.write(JSON.stringify(v) + "\n"); // taken (and so acknowledged): the parent counts it
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  await inbox.done;
  if (!wait) console.log(JSON.stringify({ got }));
}
await nc.drain();

function ready() {
  if (process.env.READY_FILE) writeFileSync(`${process.env.READY_FILE}.${role}`, "");
}
