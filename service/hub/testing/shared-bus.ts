// One memory bus shared by several in-process nodes, as Redis is shared by a cluster: each node
// gets a view whose subscriptions and stop are its own.
import type {
  Broker,
  BrokerPublishResult,
  BrokerStatus,
  BusMessage,
  HistoryResult,
  PublishInput,
} from "../../bus/index.js";
import { MemoryBroker } from "../../bus/index.js";

/** The bus several nodes share; `view()` is what one node is given as its broker. */
export class SharedBus {
  readonly bus = new MemoryBroker({
    historySize: 1_000,
    historyTtlSeconds: 3_600,
    dedupeSeconds: 120,
  });

  view(): Broker {
    return new BusView(this.bus);
  }
}

class BusView implements Broker {
  readonly kind = "memory";
  private readonly channels = new Set<string>();
  private stopped = false;

  constructor(private readonly bus: MemoryBroker) {}

  async start(): Promise<void> {}

  publish(input: PublishInput): Promise<BrokerPublishResult> {
    return this.bus.publish(input);
  }

  history(ch: string, since?: number): Promise<HistoryResult> {
    return this.bus.history(ch, since);
  }

  async subscribe(ch: string): Promise<void> {
    this.channels.add(ch);
    // The shared bus stays subscribed: another node may still need the channel.
    await this.bus.subscribe(ch);
  }

  async unsubscribe(ch: string): Promise<void> {
    this.channels.delete(ch);
  }

  onMessage(listener: (message: BusMessage) => void): void {
    this.bus.onMessage((m) => {
      if (!this.stopped && this.channels.has(m.ch)) listener(m);
    });
  }

  onStatus(_listener: (status: BrokerStatus) => void): void {}

  status(): BrokerStatus {
    return this.bus.status();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.channels.clear();
  }
}
