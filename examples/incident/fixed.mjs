// The fix: when the handler returns it cancels what it no longer waits for. The senders' signal ends
// with the request (and still with the server's shutdown), so an early return withdraws their parked
// sends and the tasks finish. Go's usual fix, a buffer with room for every sender —
// chan(SERVICES.length) — works here as well.
import { chan } from "wasmchan";
import { SERVICES, callService, go, server } from "./services.mjs";

export async function handleRequest(request) {
  const results = chan(0, { name: "results" });
  const done = new AbortController();
  const signal = AbortSignal.any([done.signal, server.shutdown.signal]);
  for (const name of SERVICES) {
    go(async () => {
      let r;
      try {
        r = await callService(name, request);
      } catch (err) {
        r = err;
      }
      await results.send(r, { signal }).catch(() => {}); // withdrawn when the handler is done
    });
  }
  try {
    const got = [];
    for (let i = 0; i < SERVICES.length; i++) {
      const r = await results.recv();
      if (r instanceof Error) return { status: 502, error: r.message };
      got.push(r.service);
    }
    return { status: 200, services: got };
  } finally {
    done.abort(); // like Go's `defer cancel()`
  }
}
