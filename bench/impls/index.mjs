// The implementations compared. Every `*.mjs` file in this folder (but this one) is an adapter whose
// default export is an impl, or an async function returning one (throw to mark it unavailable):
//
//   { name, label, chan(cap) → { send(v): Promise, recv(): Promise, recvOk?(), trySend?(v), tryRecv?(),
//     close() }, select?(cases) → Promise<{ index, value, ok }>, recv?(ch) → case,
//     sync?: true (no Promises: the scenarios' runSync path), cannot?(need) → reason | undefined }
//
// `need` is one of "unbuffered", "select", "trySend", "async" (see the scenarios); a reason makes the
// scenario "n/a" for that impl, with the reason in the report. Adding a library = adding one file.
import { readdirSync } from "node:fs";

const ORDER = ["wasm", "pure", "floor", "floor-sync", "ts-chan", "ts-chan-unsafe", "medium", "thing-csp"];

export async function loadImpls() {
  const dir = new URL("./", import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith(".mjs") && f !== "index.mjs");
  const impls = [];
  const unavailable = [];
  for (const f of files) {
    try {
      let impl = (await import(new URL(f, dir))).default;
      if (typeof impl === "function") impl = await impl();
      impls.push(impl);
    } catch (e) {
      unavailable.push({ file: f, reason: String(e?.message ?? e).split("\n")[0] });
    }
  }
  const rank = (n) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  impls.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  return { impls, unavailable };
}
