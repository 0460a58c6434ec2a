// The channel cores every suite runs against. Each suite iterates `describe.each(cores)` and
// only uses the public API (`lib.chan`, `lib.codecs`, `lib.ChannelError`, `lib.stats`, ...).
// The pure-TS core (`wasmchan/pure`) joins this list in a later issue.

export type Lib = typeof import("wasmchan");

export interface Core {
  /** Shown in test names: "wasm core", later "pure core". */
  name: string;
  /** The package entry point under test. */
  lib: Lib;
}

export const cores: Core[] = [
  { name: "wasm", lib: await import("wasmchan") },
  { name: "pure", lib: await import("wasmchan/pure") },
];
