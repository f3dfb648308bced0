// The embedded broker: one node's bus, history and dedupe in memory, with the same semantics as
// Redis (seq from 1, an epoch per life of the sequence, bounded history, TTLs, dedupe window).
import { randomBytes } from "node:crypto";
import { ChannelLimitError, UnavailableError } from "../errors.js";
import type {
  Broker,
  BrokerPublishResult,
  BrokerStatus,
  BusMessage,
  HistoryResult,
  PublishInput,
  StoredMessage,
} from "./broker.js";
import { HistoryRing } from "./history-ring.js";

export type MemoryBrokerOptions = {
  historySize: number;
  historyTtlSeconds: number;
  dedupeSeconds: number;
  /** Channels held at once (MAX_CHANNELS); default 100 000. */
  maxChannels?: number;
  /** Per-channel history (NAMESPACES) instead of historySize/historyTtlSeconds; size 0 keeps none. */
  historyOf?: (ch: string) => { size: number; ttlSeconds: number };
  now?: () => number;
};

/** At the channel bound, expired channels are swept at most this often before refusing. */
const FULL_SWEEP_MS = 1_000;

type ChannelState = {
  seq: number;
  epoch: string;
  /** The last historySize messages. */
  history: HistoryRing<StoredMessage>;
  /** The channel's history size (0: none kept) and TTL. */
  size: number;
  ttlMs: number;
  expiresAt: number;
  /** Keyed by publisher and id (dedupeKey). */
  dedupe: Map<string, { seq: number; expiresAt: number }>;
};

/** The dedupe key of a publisher's id; the length prefix keeps every pair distinct. */
function dedupeKey(publisher: string, id: string): string {
  return `${publisher.length}:${publisher}${id}`;
}

export function newEpoch(): string {
  return randomBytes(6).toString("hex");
}

export class MemoryBroker implements Broker {
  readonly kind = "memory";
  private readonly channels = new Map<string, ChannelState>();
  private readonly subscribed = new Set<string>();
  private readonly messageListeners: ((m: BusMessage) => void)[] = [];
  private stopped = false;
  private readonly now: () => number;
  private publishesSinceSweep = 0;
  private lastFullSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: MemoryBrokerOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {}

  private state(ch: string): ChannelState {
    const t = this.now();
    let s = this.channels.get(ch);
    if (s && s.expiresAt <= t) {
      this.channels.delete(ch);
      s = undefined;
    }
    if (!s) {
      this.assertRoomFor(t);
      const h = this.options.historyOf?.(ch);
      const size = h?.size ?? this.options.historySize;
      s = {
        seq: 0,
        epoch: newEpoch(),
        history: new HistoryRing(Math.max(1, size)),
        size,
        ttlMs: (h?.ttlSeconds ?? this.options.historyTtlSeconds) * 1000,
        expiresAt: 0,
        dedupe: new Map(),
      };
      this.channels.set(ch, s);
    }
    s.expiresAt = t + s.ttlMs;
    return s;
  }

  /** Refuses a new channel at the bound, after sweeping expired ones (at most once a second). */
  private assertRoomFor(t: number): void {
    const max = this.options.maxChannels ?? 100_000;
    if (this.channels.size < max) return;
    if (t - this.lastFullSweep >= FULL_SWEEP_MS) {
      this.lastFullSweep = t;
      this.sweep();
    }
    if (this.channels.size >= max)
      throw new ChannelLimitError(
        `this node holds its maximum of ${max} channels (MAX_CHANNELS): retry later, when unused channels have expired, or use fewer channel names`,
      );
  }

  /** Drops expired channels and dedupe ids now and then, so memory follows the live set. */
  private sweep(): void {
    const t = this.now();
    for (const [ch, s] of this.channels) {
      if (s.expiresAt <= t) {
        this.channels.delete(ch);
        continue;
      }
      for (const [id, d] of s.dedupe) if (d.expiresAt <= t) s.dedupe.delete(id);
    }
  }

  private assertRunning(): void {
    if (this.stopped)
      throw new UnavailableError(
        "the broker is stopped: the node is shutting down, retry on another node",
      );
  }

  async publish(input: PublishInput): Promise<BrokerPublishResult> {
    this.assertRunning();
    if (++this.publishesSinceSweep >= 10_000) {
      this.publishesSinceSweep = 0;
      this.sweep();
    }
    const s = this.state(input.ch);
    const t = this.now();
    const key = input.id === undefined ? undefined : dedupeKey(input.publisher, input.id);
    if (key !== undefined) {
      const seen = s.dedupe.get(key);
      if (seen && seen.expiresAt > t) return { seq: seen.seq, epoch: s.epoch, duplicate: true };
    }
    const message: StoredMessage = { seq: s.seq + 1, data: input.data, ts: t };
    if (input.id !== undefined && key !== undefined) {
      message.id = input.id;
      s.dedupe.set(key, {
        seq: message.seq,
        expiresAt: t + this.options.dedupeSeconds * 1000,
      });
    }
    s.seq = message.seq;
    if (s.size > 0) s.history.push(message);
    if (this.subscribed.has(input.ch)) {
      const bus: BusMessage = { ...message, ch: input.ch, epoch: s.epoch };
      // Delivered after the publish resolves, as a real bus would.
      queueMicrotask(() => {
        if (this.stopped || !this.subscribed.has(input.ch)) return;
        for (const l of this.messageListeners) l(bus);
      });
    }
    return { seq: message.seq, epoch: s.epoch, duplicate: false };
  }

  async history(ch: string, since?: number): Promise<HistoryResult> {
    this.assertRunning();
    const s = this.state(ch);
    if (since === undefined) return { seq: s.seq, epoch: s.epoch, messages: [], complete: true };
    if (since > s.seq) return { seq: s.seq, epoch: s.epoch, messages: [], complete: false };
    const messages = s.history.after(since);
    const complete = since === s.seq || messages[0]?.seq === since + 1;
    return { seq: s.seq, epoch: s.epoch, messages, complete };
  }

  async subscribe(ch: string): Promise<void> {
    this.assertRunning();
    this.subscribed.add(ch);
  }

  async unsubscribe(ch: string): Promise<void> {
    this.subscribed.delete(ch);
  }

  onMessage(listener: (message: BusMessage) => void): void {
    this.messageListeners.push(listener);
  }

  onStatus(_listener: (status: BrokerStatus) => void): void {
    // Memory never goes down while the process lives.
  }

  status(): BrokerStatus {
    return this.stopped ? { up: false, reason: "stopped" } : { up: true };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.subscribed.clear();
    this.channels.clear();
  }
}
