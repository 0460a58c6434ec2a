// The second half: receives the lines of "pipeline.lines" (in as many consumer processes as you like:
// each line reaches one), counts words with two local workers, prints the counts once the producer
// closed the channel and everything was received.
import { connect } from "@nats-io/transport-node";
import { chan, codecs } from "wasmchan";
import { deleteSubject, fromNats } from "wasmchan/nats";

const nc = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
const lines = await fromNats(nc, { subject: "pipeline.lines", codec: codecs.string(256) });

const words = chan(16);
const counter = async () => { for await (const line of lines.chan) for (const w of line.split(" ")) await words.send(w); };
Promise.all([counter(), counter()]).then(() => words.close()); // close when both stages are done

const counts = new Map();
for await (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
console.log(JSON.stringify(Object.fromEntries([...counts].sort())));
// A closed subject stays closed, as a Go channel does: free its name for the next run.
await deleteSubject(nc, { subject: "pipeline.lines" });
await nc.drain();
