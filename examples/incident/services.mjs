// The three backend services a request fans out to. Every 4th request, billing fails fast.
// Each result carries a 16 KiB payload, as real responses do: that is what a leak holds on to.
export const SERVICES = ["users", "billing", "inventory"];

export async function callService(name, request) {
  await new Promise((resolve) => setImmediate(resolve)); // the network round trip
  if (name === "billing" && request % 4 === 0) throw new Error("billing: 503 Service Unavailable");
  return { service: name, payload: new Uint8Array(16 * 1024).fill(request & 0xff) };
}

/**
 * Like most servers, this one can shut down gracefully: work in flight listens to one server-wide
 * signal. A listener stays registered until its operation ends — an operation that never ends stays
 * reachable from the server for good, and with it everything it references.
 */
export const server = { shutdown: new AbortController() };

/** Starts a "goroutine". */
export function go(task) {
  task().catch(() => {});
}
