// A worker that parks operations on a shared channel and reports how each ended.
//   role "recv": k async receives, then one blocking receive
//   role "send": k async sends, then one blocking send
//   role "select": one async select over two channels, reports the case and value
import { parentPort, workerData } from "node:worker_threads";
import { attach, select, recv, ChannelError } from "wasmchan";

const { role, desc, other, k } = workerData;
const ch = await attach(desc);
const outcome = (p) => p.then(
  (v) => ({ ok: true, v: v && typeof v === "object" ? v : { value: v } }),
  (e) => ({ ok: false, err: e instanceof ChannelError ? e.message : String(e) }),
);
const results = [];
if (role === "recv") {
  const ps = Array.from({ length: k }, () => outcome(ch.recvOk()));
  let sync;
  try { sync = { ok: true, v: ch.recvSyncOk() }; } catch (e) { sync = { ok: false, err: e.message }; }
  results.push(...(await Promise.all(ps)), sync);
} else if (role === "send") {
  const ps = Array.from({ length: k }, (_, i) => outcome(ch.send(i + 1)));
  let sync;
  try { ch.sendSync(99); sync = { ok: true }; } catch (e) { sync = { ok: false, err: e instanceof ChannelError ? e.message : String(e) }; }
  results.push(...(await Promise.all(ps)), sync);
} else if (role === "select") {
  const b = await attach(other);
  const r = await select([recv(ch), recv(b)]);
  results.push({ ok: true, v: r });
}
parentPort.postMessage({ results });
