// The first half of a pipeline split across two processes: reads lines, sends each one on the NATS
// subject "pipeline.lines". Run: NATS_URL=nats://127.0.0.1:4222 node producer.mjs (and consumer.mjs).
import { connect } from "@nats-io/transport-node";
import { codecs } from "wasmchan";
import { toNats } from "wasmchan/nats";

const nc = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
const lines = await toNats(nc, { subject: "pipeline.lines", codec: codecs.string(256), capacity: 64 });

const text = ["the quick brown fox", "jumps over", "the lazy dog", "and the dog sleeps"];
for (const line of text) await lines.chan.send(line); // waits while 64 lines are stored and unread
lines.chan.close(); // every consumer drains what is left, then sees the channel closed
await lines.done; // stored, and closed for all
console.log(`sent ${text.length} lines`);
await nc.drain();
