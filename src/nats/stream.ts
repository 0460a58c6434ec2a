// stream: the JetStream objects one wasmchan subject stands for, made by whichever end comes first
// and checked by every later one.
// - The values: a work-queue stream on exactly the subject (each message is removed once acknowledged,
//   so each value reaches one receiver), `max_msgs` = the channel's capacity with `discard: new` (a
//   full stream refuses a publish: the sender waits, as a Go send on a full buffer), and its codec's
//   name in the description (an end with another codec is refused).
// - One durable pull consumer, `wasmchan`, shared by every receiving process: explicit acks, a value
//   not acknowledged within `ackWait` (its receiver died) goes to another.
// - The close mark: a second stream, `<stream>_CLOSED`, on `<subject>.wasmchan-closed`, holding its last
//   message. A closed subject takes no more values; receivers drain what is left, then see it closed.
import type { NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy, DiscardPolicy, RetentionPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager,
} from "@nats-io/jetstream";
import { type Codec, isCodec } from "../api/codecs.js";
import { ChannelError } from "../api/errors.js";

/** Options both ends of a subject take. */
export interface NatsChanOptions<T> {
  /** The subject: NATS tokens separated by dots, no wildcards. */
  subject: string;
  /** The values' type, one of `codecs.*`: both ends must use the same. */
  codec: Codec<T>;
  /** The most values the subject holds that no receiver has taken yet (the stream's `max_msgs`):
   *  a send past it waits. Default 1024. Used by the end that creates the stream. */
  capacity?: number;
  /** The stream's name. Default: `WASMCHAN_` and the subject, dots as `_`. */
  stream?: string;
  /** Milliseconds before a value a receiver took but did not acknowledge (it died) goes to another
   *  receiver. Default 5000. Used by the end that creates the consumer. */
  ackWaitMs?: number;
}

/** The durable consumer every receiving end shares. */
export const DURABLE = "wasmchan";

/** The JetStream objects of one subject, checked. */
export interface Subject {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subject: string;
  closedStream: string;
  closedSubject: string;
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Why a NATS call failed, as a ChannelError that says what was being done. */
export function natsError(what: string, e: unknown): ChannelError {
  if (e instanceof ChannelError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const hint = /permissions? violation/i.test(msg) ? " (this connection's user may not do that: a bridge needs publish and subscribe on its subjects and on $JS.API.>)" : "";
  const err = new ChannelError(`wasmchan/nats: ${what}: ${msg}${hint}`);
  (err as { cause?: unknown }).cause = e;
  return err;
}

/** Two ends that start together both find nothing and both create: the second is told the name is in
 *  use (its options may differ: the first one's stand), and takes what is there. */
async function findOrAdd<R>(find: () => Promise<R>, add: () => Promise<unknown>): Promise<R> {
  try {
    return await find();
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  try {
    await add();
  } catch (e) {
    if (!/already in use|already exists/i.test(e instanceof Error ? e.message : String(e))) throw e;
  }
  return find();
}

function isNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown; api_error?: { err_code?: number } })?.api_error?.err_code;
  return code === 10059 || /not found/i.test(e instanceof Error ? e.message : String(e));
}

/** A failure that may pass: a request that timed out or a connection lost (the server restarting),
 *  not an answer such as "no JetStream here" or "another codec". */
export function isTransient(e: unknown): boolean {
  if (e instanceof ChannelError) return isTransient((e as { cause?: unknown }).cause);
  const text = `${(e as Error)?.name ?? ""} ${(e as Error)?.message ?? String(e)}`;
  return /timeout|disconnect|connection (closed|lost|refused)|reconnect/i.test(text);
}

/** Checks `opts`, then finds or makes the stream, the consumer and the close mark of its subject,
 *  retrying through a lost connection (a server restarting) for up to OUTAGE_MS. */
export async function openSubject(nc: NatsConnection, opts: NatsChanOptions<unknown>): Promise<Subject> {
  return retrying(nc, () => openSubjectOnce(nc, opts), isTransient);
}

async function openSubjectOnce(nc: NatsConnection, opts: NatsChanOptions<unknown>): Promise<Subject> {
  if (opts === null || typeof opts !== "object") throw new TypeError("wasmchan/nats: options must be an object like { subject, codec }");
  const { subject, codec } = opts;
  if (typeof subject !== "string" || !subject.split(".").every((t) => TOKEN.test(t))) {
    throw new TypeError(`wasmchan/nats: subject must be NATS tokens (letters, digits, _ and -) separated by dots, no wildcards; got ${JSON.stringify(subject)}`);
  }
  if (!isCodec(codec)) throw new TypeError("wasmchan/nats: codec must be one of codecs.* (values travel in its encoding)");
  const capacity = opts.capacity ?? 1024;
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`wasmchan/nats: capacity must be an integer >= 1, got ${capacity}`);
  const ackWaitMs = opts.ackWaitMs ?? 5000;
  if (!Number.isFinite(ackWaitMs) || ackWaitMs < 100) throw new RangeError(`wasmchan/nats: ackWaitMs must be at least 100, got ${ackWaitMs}`);
  const stream = opts.stream ?? `WASMCHAN_${subject.replace(/\./g, "_")}`;
  if (!TOKEN.test(stream)) throw new TypeError(`wasmchan/nats: stream must be a name of letters, digits, _ and -; got ${JSON.stringify(stream)}`);
  const description = `wasmchan ${codec.name}`;
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc);
  } catch (e) {
    const denied = /permissions? violation/i.test(e instanceof Error ? e.message : String(e));
    throw natsError(denied ? "JetStream refused this connection" : "JetStream is not available on this connection (is the server started with -js?)", e);
  }
  const closedStream = `${stream}_CLOSED`;
  const closedSubject = `${subject}.wasmchan-closed`;
  try {
    const info = await findOrAdd(() => jsm.streams.info(stream), () => jsm.streams.add({
      name: stream, subjects: [subject], retention: RetentionPolicy.Workqueue, max_msgs: capacity,
      discard: DiscardPolicy.New, description,
    }));
    if (info.config.description !== description) {
      const other = info.config.description?.startsWith("wasmchan ") ? `${info.config.description.slice(9)} values` : "values not made by wasmchan";
      throw new ChannelError(`wasmchan/nats: stream ${stream} carries ${other}, not ${codec.name}: both ends of a subject must use the same codec`);
    }
    if (!info.config.subjects?.includes(subject)) {
      throw new ChannelError(`wasmchan/nats: stream ${stream} does not hold subject ${subject}`);
    }
    await findOrAdd(() => jsm.consumers.info(stream, DURABLE), () => jsm.consumers.add(stream, {
      durable_name: DURABLE, ack_policy: AckPolicy.Explicit, ack_wait: ackWaitMs * 1_000_000, max_ack_pending: 65536,
    }));
    await findOrAdd(() => jsm.streams.info(closedStream), () => jsm.streams.add({
      name: closedStream, subjects: [closedSubject], max_msgs_per_subject: 1, description: `wasmchan close mark of ${stream}`,
    }));
  } catch (e) {
    throw natsError(`setting up subject ${subject}`, e);
  }
  return { js: jetstream(nc), jsm, stream, subject, closedStream, closedSubject };
}

/** Whether some sender closed the subject. */
export async function isClosed(s: Subject): Promise<boolean> {
  try {
    return (await s.jsm.streams.getMessage(s.closedStream, { last_by_subj: s.closedSubject })) !== null;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw natsError(`reading the close mark of ${s.subject}`, e);
  }
}

/** Closes the subject for every process. */
export async function markClosed(s: Subject): Promise<void> {
  try {
    await s.js.publish(s.closedSubject, "closed");
  } catch (e) {
    throw natsError(`closing ${s.subject}`, e);
  }
}

/** Options of `deleteSubject`. */
export interface DeleteSubjectOptions {
  /** The subject. */
  subject: string;
  /** Its stream's name, if it was not the default. */
  stream?: string;
}

/** Deletes a subject's streams (its values, its consumer and its close mark), so that its name can
 *  serve a new channel: a closed subject stays closed, as a Go channel does. Ends of it still open
 *  fail (their `done` rejects). Resolves false if there was nothing to delete. */
export async function deleteSubject(nc: NatsConnection, opts: DeleteSubjectOptions): Promise<boolean> {
  const stream = opts.stream ?? `WASMCHAN_${String(opts.subject).replace(/\./g, "_")}`;
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc);
  } catch (e) {
    throw natsError(`JetStream is not available on this connection (is the server started with -js?)`, e);
  }
  let deleted = false;
  for (const name of [stream, `${stream}_CLOSED`]) {
    try {
      deleted = (await jsm.streams.delete(name)) || deleted;
    } catch (e) {
      if (!isNotFound(e)) throw natsError(`deleting ${name}`, e);
    }
  }
  return deleted;
}

/** How long an end keeps retrying through a lost connection (the client reconnects meanwhile) before
 *  it gives up with a ChannelError. */
export const OUTAGE_MS = 60_000;

/** Runs `f` until it succeeds, retrying with backoff while `transient(e)` says the failure may pass
 *  (the server restarting, a reply lost) and the connection is not closed, for at most OUTAGE_MS. */
export async function retrying<R>(nc: NatsConnection, f: () => Promise<R>, transient: (e: unknown) => boolean = () => true): Promise<R> {
  const start = Date.now();
  for (let wait = 1; ; wait = Math.min(500, wait * 2)) {
    try {
      return await f();
    } catch (e) {
      if (nc.isClosed() || !transient(e) || Date.now() - start > OUTAGE_MS) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
