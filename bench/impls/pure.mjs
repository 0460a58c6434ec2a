// wasmchan/pure, the pure-TS core: same API as the Wasm core.
export default async function () {
  const lib = await import("wasmchan/pure");
  return {
    name: "pure", label: "wasmchan/pure (pure-TS core)", ours: true,
    chan: (cap) => lib.chan(cap), select: lib.select, recv: lib.recv, send: lib.send,
    stats: lib.stats,
  };
}
