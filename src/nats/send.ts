// send: a local Chan whose values are published to a subject, in order. The pump takes what the
// channel holds (up to `batch` values, 64 kB) and publishes it as one message, stored before the next
// is published: while one publish is under way the channel's buffer fills, so the busier the sender,
// the fuller each message. Each message has an id (this sender's id and its sequence), so a publish
// retried after a lost reply is stored once (JetStream's dedupe window). A full stream refuses a
// publish: the pump waits and retries the same message, and meanwhile the local channel fills and its
// senders park — Go's back-pressure.
import type { NatsConnection } from "@nats-io/transport-node";
import type { Chan } from "../api/chan.js";
import { chan } from "../index.js";
import { type NatsChanOptions, OUTAGE_MS, isClosed, isTransient, markClosed, natsError, openSubject, retrying } from "./stream.js";
import { wireOf } from "./wire.js";

/** Options of `toNats`. */
export interface ToNatsOptions<T> extends NatsChanOptions<T> {
  /** The channel the application sends into (default: a new `chan(batch, codec)`). */
  into?: Chan<T>;
  /** Values per message at most (fewer if they would pass 64 kB). Default 256. */
  batch?: number;
}

/** Bytes of values per message at most (NATS's default max_payload is 1 MB). */
const MAX_MESSAGE = 65536;

/** A local channel whose values go to a subject. */
export interface NatsSender<T> {
  /** Send into it; `close()` it to close the subject for every process, once everything sent before
   *  is stored. A send completes when the value is in this channel (its buffer holds `batch` values by
   *  default); it is stored a publish later: `flush()` waits for that. */
  readonly chan: Chan<T>;
  /** Resolves once every value taken so far is stored by the server (rejects as `done` does). Call it
   *  before a process that does not close the subject exits. */
  flush(): Promise<void>;
  /** Resolves once the channel was closed and every value sent before is stored and the subject is
   *  closed; rejects with a ChannelError if NATS failed (the channel is closed then). */
  readonly done: Promise<void>;
}

const FULL = /maximum messages exceeded/i;

/**
 * Go's sending end of a channel that spans processes: values sent into `chan` are published to
 * `subject`, in order, and received by `fromNats` ends in any process.
 */
export async function toNats<T>(nc: NatsConnection, opts: ToNatsOptions<T>): Promise<NatsSender<T>> {
  const s = await openSubject(nc, opts as NatsChanOptions<unknown>);
  const wire = wireOf(opts.codec);
  const batch = opts.batch ?? 256;
  if (!Number.isSafeInteger(batch) || batch < 1) throw new RangeError(`wasmchan/nats: batch must be an integer >= 1, got ${batch}`);
  const perMessage = Math.max(1, Math.min(batch, Math.floor(MAX_MESSAGE / wire.max)));
  const ch: Chan<T> = opts.into ?? chan<T>(batch, opts.codec);
  const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  let seq = 0; //    messages published
  let taken = 0; //  values taken from the channel
  let stored = 0; // of those, stored by the server
  const flushes: { upTo: number; resolve: () => void }[] = [];

  /** Publishes until stored. A full stream: wait for a receiver to make room, for as long as it
   *  takes. Anything else (the server restarting, a reply lost): retry the same message id — stored
   *  once — while the client reconnects, for up to OUTAGE_MS. */
  async function publish(data: Uint8Array, msgID: string): Promise<void> {
    let outage = 0;
    for (let wait = 1; ; wait = Math.min(50, wait * 2)) {
      try {
        await s.js.publish(s.subject, data, { msgID });
        return;
      } catch (e) {
        if (nc.isClosed()) throw e;
        if (!FULL.test(e instanceof Error ? e.message : String(e))) {
          outage ||= Date.now();
          if (Date.now() - outage > OUTAGE_MS) throw e;
          wait = Math.max(wait, 20);
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  // A subject closed by another process (or before this end opened it) takes no more values: the
  // channel closes here too, so a later send fails as Go's send on a closed channel.
  const closedHere = nc.subscribe(s.closedSubject, { max: 1, callback: (err) => { if (err === null) ch.close(); } });
  if (await retrying(nc, () => isClosed(s), isTransient)) ch.close();

  async function pump(): Promise<void> {
    for (;;) {
      const vs = await ch.recvMany(perMessage);
      if (vs.length === 0) break; // closed and drained
      taken += vs.length;
      await publish(wire.encode(vs), `${id}-${seq++}`);
      stored += vs.length;
      while (flushes.length > 0 && flushes[0].upTo <= stored) flushes.shift()!.resolve();
    }
    closedHere.unsubscribe();
    await retrying(nc, () => markClosed(s), isTransient);
  }

  const done = pump().catch((e) => {
    closedHere.unsubscribe();
    ch.close();
    throw natsError(`sending to ${s.subject}`, e);
  });
  done.catch(() => {});
  return {
    chan: ch, done,
    async flush() {
      // A value whose send just completed reaches the pump's loop in a microtask of the hand-off: let
      // every pending microtask run (one macrotask turn) before counting what was taken.
      await new Promise((r) => setTimeout(r, 0));
      const upTo = taken + ch.len; // taken, and still in the channel's buffer
      if (stored >= upTo) return;
      const flushed = new Promise<void>((resolve) => flushes.push({ upTo, resolve }));
      await Promise.race([flushed, done]);
    },
  };
}
