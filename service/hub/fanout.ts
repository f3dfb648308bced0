// The node's channel index: which local connections are subscribed to which channel, and the
// ordering that turns an at-least-once bus into "every seq once, in order, no gap" per subscriber.
// All work on one channel (bus subscribe, resume replays, gap fills) runs in that channel's queue.
import type { Broker, BusMessage, StoredMessage } from "../bus/index.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { messageFrame } from "../protocol/index.js";
import { OutFrame } from "./prepared-frame.js";
import { historySince } from "./resume-history.js";

/** A local subscriber: a connection, seen from the channel index. */
export interface Recipient {
  readonly id: string;
  /** Writes a msg frame (shared by every recipient); closes the connection itself when too slow. */
  deliver(frame: OutFrame): void;
  /** The node can no longer keep the no-gap promise for this connection: close it with 1013. */
  abandon(reason: string): void;
  /**
   * Called once a subscribe is settled, before any live message can reach `r`: writes the
   * `subscribed` frame and the replay. False when `r` no longer wants the channel (it left).
   */
  subscribed(ch: string, result: SubscribeResult): boolean;
}

export type SubscribeResult = {
  seq: number;
  epoch: string;
  /** Present when the subscribe asked for a resume (`since`). */
  recovered?: boolean;
  /** Messages to write after the `subscribed` frame, in seq order. */
  replay: StoredMessage[];
};

/** Bus messages held for one channel while history is read; past this the node gives up on it. */
const MAX_HELD = 10_000;
/** Wait before a failed gap fill is tried again while the bus still reports up. */
const FILL_RETRY_MS = 100;

type Entry = {
  ch: string;
  /** Subscriber → deliver only messages with seq greater than this. */
  subs: Map<Recipient, number>;
  ready: boolean;
  epoch: string;
  /** The last seq dispatched to this node's subscribers. */
  lastSeq: number;
  /** While > 0, bus messages wait in `held` (a replay or gap fill is reading history). */
  holds: number;
  held: BusMessage[];
  /** A gap fill is queued or running. */
  filling: boolean;
  /** A gap fill failed (bus down): wait for the bus to come back before trying again. */
  stale: boolean;
  queue: Promise<void>;
  queued: number;
  /** Resumes queued together that have not read history yet: the next ones join them. */
  resumes: Resume[] | undefined;
};

/** One subscribe with `since`, waiting for its batch's history read. */
type Resume = {
  r: Recipient;
  since: number;
  epoch: string | undefined;
  resolve: (result: SubscribeResult) => void;
  reject: (err: unknown) => void;
};

export class Fanout {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly broker: Broker,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    broker.onMessage((m) => this.onBus(m));
  }

  get channelCount(): number {
    return this.entries.size;
  }

  /** Subscribes `r` to `ch`; with `since`, replays history first. Rejects when the bus is down. */
  subscribe(r: Recipient, ch: string, since?: number, epoch?: string): Promise<SubscribeResult> {
    const entry = this.entryFor(ch);
    if (since !== undefined) return this.resume(entry, r, since, epoch);
    return this.enqueue(entry, async () => {
      await this.ensureReady(entry);
      const result = { seq: entry.lastSeq, epoch: entry.epoch, replay: [] };
      if (r.subscribed(ch, result)) entry.subs.set(r, entry.lastSeq);
      return result;
    });
  }

  /** A resume joins the batch of its channel that has not read history yet, or starts one. */
  private resume(
    entry: Entry,
    r: Recipient,
    since: number,
    epoch: string | undefined,
  ): Promise<SubscribeResult> {
    return new Promise((resolve, reject) => {
      const waiting: Resume = { r, since, epoch, resolve, reject };
      if (entry.resumes) {
        entry.resumes.push(waiting);
        return;
      }
      const batch = [waiting];
      entry.resumes = batch;
      this.enqueue(entry, async () => {
        if (entry.resumes === batch) entry.resumes = undefined;
        await this.ensureReady(entry);
        await this.resumeBatch(entry, batch);
      }).catch((err: unknown) => {
        for (const w of batch) w.reject(err);
      });
    });
  }

  /** One history read from the oldest `since` answers every resume of the batch. */
  private async resumeBatch(entry: Entry, batch: Resume[]): Promise<void> {
    const from = batch.reduce((min, w) => Math.min(min, w.since), Number.POSITIVE_INFINITY);
    entry.holds++;
    try {
      const read = await this.broker.history(entry.ch, from);
      if (read.epoch !== entry.epoch) {
        // The sequence restarted while we were not looking: nobody here can keep order.
        this.resetEpoch(entry, read.epoch, read.seq);
      }
      for (const w of batch) {
        const h = historySince(read, from, w.since);
        const recovered = h.complete && w.epoch === h.epoch;
        const replay = recovered ? h.messages : [];
        const after = recovered ? Math.max(w.since, h.seq) : h.seq;
        const result = { seq: h.seq, epoch: h.epoch, recovered, replay };
        // The replay is written before the held live messages are flushed to `r`.
        if (w.r.subscribed(entry.ch, result)) entry.subs.set(w.r, after);
        w.resolve(result);
      }
    } finally {
      entry.holds--;
      if (entry.holds === 0) this.flushHeld(entry);
    }
  }

  unsubscribe(r: Recipient, ch: string): boolean {
    const entry = this.entries.get(ch);
    if (!entry?.subs.delete(r)) return false;
    this.releaseIfIdle(entry);
    return true;
  }

  /**
   * Writes a frame that is no channel message (a presence join or leave) to this node's
   * subscribers of `ch`, those whose `subscribed` was written. Returns how many got it.
   */
  sendEvent(ch: string, frame: OutFrame): number {
    const entry = this.entries.get(ch);
    if (!entry) return 0;
    for (const r of entry.subs.keys()) r.deliver(frame);
    return entry.subs.size;
  }

  /** Removes `r` from every channel it is in (its connection closed). */
  removeAll(r: Recipient, channels: Iterable<string>): void {
    for (const ch of channels) this.unsubscribe(r, ch);
  }

  /** After the bus was down: re-read history for every channel so no message is silently missed. */
  catchUpAll(): void {
    for (const entry of this.entries.values()) {
      entry.stale = false;
      if (entry.ready) this.fill(entry);
    }
  }

  /** After one channel's bus subscription was remade: re-read its history (see catchUpAll). */
  catchUp(ch: string): void {
    const entry = this.entries.get(ch);
    if (!entry) return;
    entry.stale = false;
    if (entry.ready) this.fill(entry);
  }

  private entryFor(ch: string): Entry {
    let entry = this.entries.get(ch);
    if (!entry) {
      entry = {
        ch,
        subs: new Map(),
        ready: false,
        epoch: "",
        lastSeq: 0,
        holds: 0,
        held: [],
        filling: false,
        stale: false,
        queue: Promise.resolve(),
        queued: 0,
        resumes: undefined,
      };
      this.entries.set(ch, entry);
    }
    return entry;
  }

  private enqueue<T>(entry: Entry, op: () => Promise<T>): Promise<T> {
    entry.queued++;
    const run = entry.queue.then(op);
    entry.queue = run.then(
      () => undefined,
      () => undefined,
    );
    void entry.queue.then(() => {
      entry.queued--;
      this.releaseIfIdle(entry);
    });
    return run;
  }

  private async ensureReady(entry: Entry): Promise<void> {
    if (entry.ready) return;
    entry.holds++;
    try {
      await this.broker.subscribe(entry.ch);
      let h: Awaited<ReturnType<Broker["history"]>>;
      try {
        h = await this.broker.history(entry.ch);
      } catch (err) {
        // Not ready, so releaseIfIdle would not unsubscribe: a refused channel leaves nothing.
        await this.broker.unsubscribe(entry.ch).catch(() => undefined);
        throw err;
      }
      entry.epoch = h.epoch;
      entry.lastSeq = h.seq;
      entry.ready = true;
    } finally {
      entry.holds--;
      if (entry.holds === 0) this.flushHeld(entry);
    }
  }

  private releaseIfIdle(entry: Entry): void {
    if (entry.subs.size > 0 || entry.queued > 0) return;
    if (this.entries.get(entry.ch) !== entry) return;
    this.entries.delete(entry.ch);
    if (entry.ready) {
      this.broker.unsubscribe(entry.ch).catch((err: unknown) => {
        this.log.warn({ ch: entry.ch, err: String(err) }, "bus unsubscribe failed");
      });
    }
  }

  private onBus(m: BusMessage): void {
    const entry = this.entries.get(m.ch);
    if (!entry) return;
    if (!entry.ready || entry.holds > 0) {
      this.hold(entry, m);
      return;
    }
    this.dispatch(entry, m);
  }

  private hold(entry: Entry, m: BusMessage): void {
    entry.held.push(m);
    if (entry.held.length > MAX_HELD) {
      // Memory stays bounded: these subscribers resume from history instead.
      this.abandonAll(entry, "the node fell too far behind on this channel: resume to recover");
      entry.held.length = 0;
    }
  }

  private flushHeld(entry: Entry): void {
    if (!entry.ready) {
      entry.held.length = 0;
      return;
    }
    const held = entry.held.splice(0);
    held.sort((a, b) => a.seq - b.seq);
    for (const m of held) {
      if (entry.holds > 0) {
        entry.held.push(m);
        continue;
      }
      this.dispatch(entry, m);
    }
  }

  private dispatch(entry: Entry, m: BusMessage): void {
    if (m.epoch !== entry.epoch) {
      this.resetEpoch(entry, m.epoch, m.seq);
      return;
    }
    if (m.seq <= entry.lastSeq) return; // a duplicate after a resubscribe or a fill
    if (m.seq > entry.lastSeq + 1) {
      this.hold(entry, m);
      this.fill(entry);
      return;
    }
    this.deliver(entry, m);
  }

  private deliver(entry: Entry, m: StoredMessage): void {
    entry.lastSeq = m.seq;
    if (entry.subs.size === 0) return;
    const frame = new OutFrame(Buffer.from(messageFrame(entry.ch, m)));
    let sent = 0;
    for (const [r, after] of entry.subs) {
      if (m.seq <= after) continue;
      r.deliver(frame);
      sent++;
    }
    if (sent > 0) {
      this.metrics.messagesOut.inc(sent);
      this.metrics.deliveryLatency.observe(Math.max(0, Date.now() - m.ts) / 1000);
    }
  }

  /** Reads history after lastSeq and dispatches it; when history cannot fill the gap, abandons. */
  private fill(entry: Entry): void {
    if (entry.filling || entry.stale) return;
    entry.filling = true;
    void this.enqueue(entry, async () => {
      entry.filling = false;
      if (!entry.ready) return;
      entry.holds++;
      try {
        const h = await this.broker.history(entry.ch, entry.lastSeq);
        if (h.epoch !== entry.epoch) {
          this.resetEpoch(entry, h.epoch, h.seq);
          return;
        }
        if (!h.complete) {
          this.abandonAll(entry, "messages were lost from history: resume to recover");
          entry.lastSeq = h.seq;
          entry.held = entry.held.filter((m) => m.seq > h.seq);
          return;
        }
        for (const m of h.messages) if (m.seq === entry.lastSeq + 1) this.deliver(entry, m);
      } catch (err) {
        this.log.warn({ ch: entry.ch, err: String(err) }, "gap fill failed");
        // Down: the next up change starts another catch-up. Still up (a command timed out under
        // CPU pressure, say): no up change will come, so waiting for one would hold this
        // channel's messages until the next outage. Try again shortly instead.
        entry.stale = true;
        if (this.broker.status().up) this.retryFill(entry);
      } finally {
        entry.holds--;
        if (entry.holds === 0) this.flushHeld(entry);
      }
    });
  }

  private retryFill(entry: Entry): void {
    const timer = setTimeout(() => {
      if (this.entries.get(entry.ch) !== entry || !entry.stale) return;
      entry.stale = false;
      this.fill(entry);
    }, FILL_RETRY_MS);
    timer.unref();
  }

  private resetEpoch(entry: Entry, epoch: string, seq: number): void {
    this.log.warn(
      { ch: entry.ch, from: entry.epoch, to: epoch },
      "channel epoch changed: history was lost",
    );
    this.abandonAll(entry, "the channel's history was reset: resume to recover");
    entry.epoch = epoch;
    entry.lastSeq = seq;
    entry.held = entry.held.filter((m) => m.epoch === epoch && m.seq > seq);
  }

  private abandonAll(entry: Entry, reason: string): void {
    const subs = [...entry.subs.keys()];
    entry.subs.clear();
    for (const r of subs) r.abandon(reason);
  }
}
