// wasmchan/nats: channels that span processes and hosts, over NATS JetStream.
/**
 * Channels that span processes and hosts, on NATS JetStream: `toNats` turns a local channel into the
 * sending end of a subject, `fromNats` a subject into a local channel that receives. Each value reaches
 * exactly one receiving process, is acknowledged only once taken there, and `close()` on a sending end
 * closes the subject for all, after what was sent. Needs `@nats-io/transport-node` and
 * `@nats-io/jetstream` (optional peer dependencies).
 *
 * @module wasmchan/nats
 */
export { fromNats } from "./recv.js";
export type { FromNatsOptions, NatsReceiver } from "./recv.js";
export { toNats } from "./send.js";
export type { ToNatsOptions, NatsSender } from "./send.js";
export { deleteSubject } from "./stream.js";
export type { NatsChanOptions, DeleteSubjectOptions } from "./stream.js";
