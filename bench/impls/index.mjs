// The implementations compared. Each is { name, label, chan(cap) } where a channel has Promise
// send/recv and synchronous trySend/tryRecv (wasmchan's API); `select` where the library has one.
import floor from "./floor.mjs";

async function wasmchan(spec, name, label) {
  const lib = await import(spec);
  return { name, label, chan: (cap) => lib.chan(cap), select: lib.select, recv: lib.recv, send: lib.send };
}

export async function loadImpls() {
  const impls = [await wasmchan("wasmchan", "wasm", "wasmchan (Wasm core)")];
  try {
    impls.push(await wasmchan("wasmchan/pure", "pure", "wasmchan/pure (pure-TS core)"));
  } catch {
    // the pure core is not built yet
  }
  impls.push(floor);
  return impls;
}
