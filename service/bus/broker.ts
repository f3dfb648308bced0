// The bus between hub nodes and the store of every channel's sequence, epoch, history and
// publish dedupe. The hub only talks to this interface: memory-broker.ts for a single node,
// redis/ for many nodes on one Redis.

/** One stored channel message. `data` is the message's JSON text, kept as text end to end. */
export type StoredMessage = {
  seq: number;
  /** The publisher's idempotency id, when it gave one. */
  id?: string;
  data: string;
  /** When the publish was accepted (ms since the epoch), for delivery latency. */
  ts: number;
};

/** A message arriving from the bus, on the node that subscribed to its channel. */
export type BusMessage = StoredMessage & { ch: string; epoch: string };

/**
 * A publish. An `id` is deduplicated per `publisher` (the publisher's identity: a token subject,
 * the API, a connection), so one publisher's ids never collide with another's.
 */
export type PublishInput = { ch: string; data: string } & (
  | { id?: undefined; publisher?: string }
  | { id: string; publisher: string }
);

export type BrokerPublishResult = {
  seq: number;
  epoch: string;
  /** True when `id` was seen within the dedupe window: nothing was published again. */
  duplicate: boolean;
};

export type HistoryResult = {
  /** The channel's latest seq when history was read (0 for a channel never published to). */
  seq: number;
  epoch: string;
  /** Messages with seq > since, in seq order (empty when since is undefined). */
  messages: StoredMessage[];
  /** True when history still held every message after `since`. */
  complete: boolean;
};

export type BrokerStatus = { up: boolean; reason?: string };

export interface Broker {
  readonly kind: "memory" | "redis";
  /** Connects; rejects with UnavailableError when the store cannot be reached at all. */
  start(): Promise<void>;
  /**
   * Creating a channel's state (its first publish or history read) past the node's channel bound
   * (`maxChannels`) rejects with ChannelLimitError; channels that exist keep working.
   * Assigns the next seq, stores the message in history, publishes it on the bus and resolves
   * only once it is stored (and replicated, where configured). Rejects with UnavailableError
   * otherwise: a rejected publish may or may not have been stored, so clients retry with an id.
   * Publishes called while `status().up` are sent in call order without waiting for each other,
   * so one channel stores them in call order (the hub overlaps one connection's publishes).
   */
  publish(input: PublishInput): Promise<BrokerPublishResult>;
  /** The channel's seq and epoch, and messages after `since` when given. Creates the epoch. */
  history(ch: string, since?: number): Promise<HistoryResult>;
  /** Starts receiving `ch`'s messages through onMessage. Idempotent. */
  subscribe(ch: string): Promise<void>;
  unsubscribe(ch: string): Promise<void>;
  /** Bus messages, possibly duplicated or with gaps after a reconnect: the hub orders them. */
  onMessage(listener: (message: BusMessage) => void): void;
  /**
   * Up/down changes. After a down → up change messages may have been missed: the hub fills the
   * gaps from history for every channel it holds.
   */
  onStatus(listener: (status: BrokerStatus) => void): void;
  /**
   * Optional: one channel may have missed messages while the bus stayed up (a Redis Cluster
   * moved its slot to another shard and the subscription was remade there): the hub fills that
   * channel's gap from history.
   */
  onGap?(listener: (ch: string) => void): void;
  status(): BrokerStatus;
  /** Releases every connection and timer. Idempotent. */
  stop(): Promise<void>;
}
