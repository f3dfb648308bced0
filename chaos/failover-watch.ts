// What a Redis failover looks like from outside the hubs: when the Sentinels announced it, and
// when each hub's bus came back (wshub_redis_up) and how many requests it refused meanwhile.
import { Redis } from "ioredis";
import { METRIC } from "../contract/index.js";
import type { HubContainer } from "./hub-container.js";
import { sumMetric } from "./hub-container.js";

/** First time (host clock, ms) each Sentinel event arrived from any of the Sentinels. */
export class SentinelEvents {
  readonly firstAt = new Map<string, number>();
  private constructor(private readonly clients: Redis[]) {}

  /** Subscribes to `channels` (e.g. "+switch-master") on every Sentinel at `addresses`. */
  static async watch(
    addresses: { host: string; port: number }[],
    channels: string[],
  ): Promise<SentinelEvents> {
    const clients = addresses.map(
      (a) => new Redis({ host: a.host, port: a.port, lazyConnect: true, maxRetriesPerRequest: 1 }),
    );
    const events = new SentinelEvents(clients);
    for (const c of clients) {
      c.on("error", () => {});
      c.on("message", (channel: string) => {
        if (!events.firstAt.has(channel)) events.firstAt.set(channel, Date.now());
      });
      await c.connect();
      await c.subscribe(...channels);
    }
    return events;
  }

  close(): void {
    for (const c of this.clients) c.disconnect();
  }
}

/** One hub's bus state at one moment. */
export interface BusSample {
  at: number;
  up: boolean;
  /** wshub_errors_total{code="unavailable"}: requests the hub refused because Redis was down. */
  refused: number;
}

/** Samples every hub's /metrics every `everyMs` until stopped (bounded by `maxMs`). */
export class BusWatch {
  readonly samples = new Map<string, BusSample[]>();
  private running = true;
  private readonly done: Promise<void>;

  constructor(hubs: readonly HubContainer[], everyMs = 100, maxMs = 120_000) {
    const deadline = Date.now() + maxMs;
    this.done = (async () => {
      while (this.running && Date.now() < deadline) {
        await Promise.all(hubs.map((hub) => this.sample(hub)));
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  private async sample(hub: HubContainer): Promise<void> {
    try {
      const res = await fetch(`${hub.internalUrl}/metrics`, { signal: AbortSignal.timeout(1000) });
      const text = await res.text();
      const refusedLines = text
        .split("\n")
        .filter((l) => l.startsWith(METRIC.errors) && l.includes('code="unavailable"'))
        .join("\n");
      const list = this.samples.get(hub.name) ?? [];
      list.push({
        at: Date.now(),
        up: sumMetric(text, METRIC.redisUp) === 1,
        refused: sumMetric(refusedLines, METRIC.errors) ?? 0,
      });
      this.samples.set(hub.name, list);
    } catch {
      // A missed sample only makes the timing coarser.
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /**
   * Per hub: the first sample with the bus up again after it went down after `after` (the
   * moment the hub had followed the failover), or undefined when it never came back.
   */
  backAfter(after: number): Map<string, BusSample | undefined> {
    const back = new Map<string, BusSample | undefined>();
    for (const [hub, list] of this.samples) {
      const down = list.findIndex((s) => s.at > after && !s.up);
      back.set(hub, down === -1 ? undefined : list.slice(down).find((s) => s.up));
    }
    return back;
  }

  /** Requests a hub refused after `since` (its sample) up to its last sample. */
  refusedSince(hub: string, since: BusSample): number {
    const list = this.samples.get(hub) ?? [];
    const last = list[list.length - 1];
    return last ? last.refused - since.refused : 0;
  }
}
