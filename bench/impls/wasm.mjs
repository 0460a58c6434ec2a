// wasmchan, the Wasm core: the package's own API is already the common shape.
export default async function () {
  const lib = await import("wasmchan");
  return {
    name: "wasm", label: "wasmchan (Wasm core)", ours: true,
    chan: (cap) => lib.chan(cap), select: lib.select, recv: lib.recv, send: lib.send,
    stats: lib.stats,
  };
}
