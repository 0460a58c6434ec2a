// The seed's production incident, in JavaScript: a request handler fans out to three services, each
// result is sent on an unbuffered channel, and the handler returns early on the first error. The
// senders that come after the error park forever on `results.send` — and since they listen to the
// server's shutdown signal, the server keeps every one of them, and every payload, alive.
import { chan } from "wasmchan";
import { SERVICES, callService, go, server } from "./services.mjs";

export async function handleRequest(request) {
  const results = chan(0, { name: "results" }); // unbuffered: a send waits for a receiver
  for (const name of SERVICES) {
    go(async () => {
      let r;
      try {
        r = await callService(name, request);
      } catch (err) {
        r = err;
      }
      await results.send(r, { signal: server.shutdown.signal }); // BUG: after an early return nobody receives
    });
  }
  const got = [];
  for (let i = 0; i < SERVICES.length; i++) {
    const r = await results.recv();
    if (r instanceof Error) return { status: 502, error: r.message }; // early return
    got.push(r.service);
  }
  return { status: 200, services: got };
}
