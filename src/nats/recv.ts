// recv: a subject's values into a local Chan. The pump pulls at most `credit` messages at a time from
// the subject's durable consumer and hands their values one by one into an unbuffered channel: a
// message is acknowledged only once a receiver of this process took its last value, so a process that
// dies loses nothing (what it had pulled and not handed over goes to another receiver after
// `ackWaitMs`; the values of a message it had partly handed over come again: at least once). At most
// `credit` messages wait in this process, never an unbounded queue.
import type { NatsConnection } from "@nats-io/transport-node";
import type { Consumer, JsMsg } from "@nats-io/jetstream";
import type { Chan } from "../api/chan.js";
import { ChannelError, chan } from "../index.js";
import { DURABLE, type NatsChanOptions, isClosed, natsError, openSubject, retrying } from "./stream.js";
import { wireOf } from "./wire.js";

/** Options of `fromNats`. */
export interface FromNatsOptions<T> extends NatsChanOptions<T> {
  /** Messages pulled ahead at most (held unacknowledged in this process until a receiver took every
   *  value of each; a message carries one value or a sending end's batch). Default 64. */
  credit?: number;
  /** The channel to deliver into (default: a new unbuffered `chan(0, codec)`). A SharedHeap channel
   *  feeds workers. With a buffered one, a value is acknowledged once it is in the buffer. */
  into?: Chan<T>;
}

/** A subject's values arriving in a local channel. */
export interface NatsReceiver<T> {
  /** The channel: receive from it (recv, select, for await, recvMany...). Closed once the subject is
   *  closed and drained. */
  readonly chan: Chan<T>;
  /** Settles when the pump ends: after the channel was closed (the subject closed and drained), or
   *  `stop()`; rejects with a ChannelError if NATS failed (the channel is then closed too, unless it
   *  was given as `into`). */
  readonly done: Promise<void>;
  /** Messages terminated because they did not decode as this codec. */
  readonly rejected: number;
  /** Stops pulling; a value pulled and not yet taken goes back to the subject at once (nak). */
  stop(): Promise<void>;
}

/** How long one pull waits for messages before the pump looks whether the subject was closed (the
 *  client's least). */
const IDLE_MS = 1000;
/** After a close was announced, how soon to look again whether the subject is drained. */
const RELOOK_MS = 20;

/**
 * Go's receiving end of a channel that spans processes: values published to `subject` by `toNats`
 * (any process, any host on the same NATS) arrive in `chan`, each in exactly one receiving process.
 */
export async function fromNats<T>(nc: NatsConnection, opts: FromNatsOptions<T>): Promise<NatsReceiver<T>> {
  const s = await openSubject(nc, opts as NatsChanOptions<unknown>);
  const credit = opts.credit ?? 64;
  if (!Number.isSafeInteger(credit) || credit < 1) throw new RangeError(`wasmchan/nats: credit must be an integer >= 1, got ${credit}`);
  const wire = wireOf(opts.codec);
  const ch: Chan<T> = opts.into ?? chan<T>(0, opts.codec);
  let consumer: Consumer;
  try {
    consumer = await s.js.consumers.get(s.stream, DURABLE);
  } catch (e) {
    throw natsError(`opening the consumer of ${s.subject}`, e);
  }
  const stopper = new AbortController();
  let rejected = 0;
  let batch: { stop(): void } | undefined;

  /** Hands a message's values over one by one, then acknowledges it: a process that dies before its
   *  last value was taken gets the whole message again elsewhere (at least once). */
  async function deliver(m: JsMsg): Promise<boolean> {
    let vs: T[];
    try {
      vs = wire.decode(m.data);
    } catch {
      m.term();
      rejected++;
      return true;
    }
    for (const v of vs) {
      try {
        await ch.send(v, { signal: stopper.signal });
      } catch (e) {
        m.nak(); // not all taken here: to another receiver now
        if (stopper.signal.aborted) return false;
        throw e;
      }
    }
    m.ack();
    lookForEnd();
    return true;
  }

  /** Closed, and nothing left anywhere (no value stored, none held by another receiver)? */
  const drained = () => retrying(nc, async () => {
    if (!(await isClosed(s))) return false;
    const info = await s.jsm.consumers.info(s.stream, DURABLE);
    return info.num_pending === 0 && info.num_ack_pending === 0;
  });
  // A close is announced on the close mark's subject: look at once, rather than after an idle pull
  // (which waits a second), and end a pull that nothing will fill any more. Values this process still
  // holds unacknowledged when the close arrives keep it from being drained: look again after each
  // acknowledgement from then on (else the pull idled out its second: a slow consumer, or one whose
  // hand-offs preemption deferred, made every close a second late).
  let ended = false;
  let announced = false;
  let looking = false; // a look is under way; `again`: another was asked for meanwhile
  let again = false;
  let relook = RELOOK_MS; // the wait before looking again unasked: doubles up to IDLE_MS
  let relookTimer: ReturnType<typeof setTimeout> | undefined;
  let pumping = true; //    false once the pump ended, however it ended: no more looks
  function lookForEnd(): void {
    if (!announced || ended || !pumping || stopper.signal.aborted) return;
    if (looking) {
      again = true;
      return;
    }
    looking = true;
    drained().then((d) => {
      looking = false;
      if (d) {
        ended = true;
        batch?.stop();
      } else if (again) {
        again = false;
        lookForEnd();
      } else if (pumping && relookTimer === undefined) {
        // The server may count the last acknowledgement a moment after it answers, and another
        // receiver may still hold values: look again, less and less often.
        relookTimer = setTimeout(() => {
          relookTimer = undefined;
          lookForEnd();
        }, relook);
        (relookTimer as { unref?: () => void }).unref?.();
        relook = Math.min(IDLE_MS, relook * 2);
      }
    }, () => {
      looking = false;
    });
  }
  const closing = nc.subscribe(s.closedSubject, {
    callback: (err) => {
      if (err !== null) return;
      announced = true;
      lookForEnd();
    },
  });

  async function pump(): Promise<void> {
    // Through a lost connection (the server restarting) every NATS call is retried while the client
    // reconnects; what was pulled and not acknowledged comes again after ackWait (at least once).
    while (!stopper.signal.aborted) {
      let got = 0;
      await retrying(nc, async () => {
        const msgs = await consumer.fetch({ max_messages: credit, expires: IDLE_MS });
        batch = msgs;
        if (ended) msgs.stop(); // found drained while this pull was being asked for
        for await (const m of msgs) {
          got++;
          if (!(await deliver(m))) {
            msgs.stop();
            return;
          }
        }
      }, (e) => !stopper.signal.aborted && !(e instanceof ChannelError)); // a ChannelError: this channel's own
      if (stopper.signal.aborted) break;
      if (ended || (got === 0 && (await drained()))) {
        ch.close();
        break;
      }
    }
  }

  /** However the pump ends: no more looks for the end, no timer left behind. */
  function pumpEnded(): void {
    pumping = false;
    clearTimeout(relookTimer);
    closing.unsubscribe();
  }

  // A pump that fails closes the channel too, so no receiver waits for ever: `done` says why.
  const done = pump().then(pumpEnded, (e) => {
    pumpEnded();
    if (!opts.into) ch.close();
    throw natsError(`receiving from ${s.subject}`, e);
  });
  done.catch(() => {}); // observed through `done`
  return {
    chan: ch, done,
    get rejected() { return rejected; },
    async stop() {
      stopper.abort();
      batch?.stop();
      await done.catch(() => {});
    },
  };
}
