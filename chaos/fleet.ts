import { ChaosError } from "./errors.js";
import type { ScenarioRecorder } from "./recording.js";

type Sdk = typeof import("../service/client/node.js");
type Client = ReturnType<Sdk["createNodeClient"]>;
type ClientOptions = Parameters<Sdk["createNodeClient"]>[0];

/**
 * The SDK module the fleet uses: the repo's, or `CHAOS_SDK_MODULE` (a path to another build of
 * it, e.g. a deliberately broken copy made by chaos/defects.ts).
 */
export async function loadSdk(): Promise<Sdk> {
  const override = process.env.CHAOS_SDK_MODULE;
  return override ? ((await import(override)) as Sdk) : await import("../service/client/node.js");
}

export interface FleetOptions {
  recorder: ScenarioRecorder;
  token: string;
  /** URLs client `i` uses, in rotation order (a balancer URL, or hub URLs). */
  urls: (i: number) => string[];
  clients: number;
  channels: string[];
  /** Each client subscribes to this many channels, starting at channels[i % n] (default all). */
  channelsPerClient?: number;
  /** The first `publishers` clients publish (default 4). */
  publishers?: number;
  /** Total publishes per second across publishers (0: none until startPublishing is called). */
  ratePerSecond?: number;
  /** Bytes of padding in each message. */
  payloadBytes?: number;
  /** No frame and no ping for this long means the connection is dead. */
  heartbeatTimeoutMs: number;
  /** Clients connecting at once while the fleet starts (default 50). */
  connectConcurrency?: number;
  /** Publishes awaiting ok beyond which a tick is skipped (default 200). */
  maxInFlight?: number;
  sdk?: Partial<ClientOptions>;
  /** Client ids start with this (default "c"). */
  prefix?: string;
}

/**
 * SDK clients that subscribe, publish with ids at a bounded rate and record every message,
 * every ok and every connection event in the ScenarioRecorder. Use with `await using`.
 */
export class Fleet implements AsyncDisposable {
  readonly clients: Client[] = [];
  readonly ids: string[] = [];
  #publishTimer: NodeJS.Timeout | undefined;
  #inFlight = new Set<Promise<void>>();
  #published = 0;
  #skipped = 0;
  #closed = false;
  // Highest seq each client saw per channel, for quiesce().
  #lastSeq: Array<Map<string, number>> = [];
  #subscriptions: string[][] = [];
  #maxAck = new Map<string, number>();
  // Node each client's current connection is on (from its hello).
  #nodes: Array<string | undefined> = [];

  private constructor(private readonly options: FleetOptions) {}

  /** Connects and subscribes every client (bounded concurrency); throws when one cannot. */
  static async start(options: FleetOptions): Promise<Fleet> {
    const fleet = new Fleet(options);
    try {
      await fleet.connectAll(await loadSdk());
    } catch (error) {
      await fleet.close();
      throw error;
    }
    if ((options.ratePerSecond ?? 0) > 0) fleet.startPublishing(options.ratePerSecond!);
    return fleet;
  }

  private async connectAll(sdk: Sdk): Promise<void> {
    const { options } = this;
    const perClient = options.channelsPerClient ?? options.channels.length;
    const concurrency = options.connectConcurrency ?? 50;
    let next = 0;
    const worker = async () => {
      while (next < options.clients && !this.#closed) {
        const i = next++;
        await this.connectOne(sdk, i, perClient);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, options.clients) }, worker));
  }

  private async connectOne(sdk: Sdk, i: number, perClient: number): Promise<void> {
    const { options } = this;
    const id = `${options.prefix ?? "c"}${i}`;
    const rec = options.recorder;
    rec.client(id);
    const client = sdk.createNodeClient({
      urls: options.urls(i),
      token: options.token,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      ...options.sdk,
    });
    this.clients[i] = client;
    this.ids[i] = id;
    const lastSeq = new Map<string, number>();
    this.#lastSeq[i] = lastSeq;
    const live = () => !this.#closed;
    client.on("open", (e) => {
      this.#nodes[i] = e.node;
      if (live()) rec.event(id, { t: Date.now(), type: "open", node: e.node });
    });
    client.on("close", (e) => live() && rec.event(id, { t: Date.now(), type: "close", ...e }));
    client.on(
      "reconnecting",
      (e) =>
        live() &&
        rec.event(id, { t: Date.now(), type: "retry", attempt: e.attempt, delayMs: e.delayMs }),
    );
    client.on(
      "subscribed",
      // A first subscribe carries no `recovered`; the record keeps it a boolean.
      (e) =>
        live() &&
        rec.event(id, { t: Date.now(), type: "subscribed", ...e, recovered: e.recovered ?? false }),
    );
    client.on("gap", (e) => live() && rec.event(id, { t: Date.now(), type: "gap", ch: e.ch }));
    client.on("error", () => {});
    client.on("message", (m) => {
      if (!live()) return;
      const now = Date.now();
      const sent = (m.data as { t?: unknown } | null)?.t;
      lastSeq.set(m.ch, Math.max(lastSeq.get(m.ch) ?? 0, m.seq));
      rec.event(id, {
        t: now,
        type: "msg",
        ch: m.ch,
        seq: m.seq,
        ...(m.id === undefined ? {} : { id: m.id }),
        ...(typeof sent === "number" ? { latencyMs: now - sent } : {}),
      });
    });
    const channels = Array.from(
      { length: perClient },
      (_, k) => options.channels[(i + k) % options.channels.length]!,
    );
    this.#subscriptions[i] = channels;
    try {
      await client.connect();
      for (const ch of channels) await client.subscribe(ch);
    } catch (error) {
      throw new ChaosError(
        "FLEET",
        `client ${id} could not connect and subscribe: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Publishes ids `${client}-${n}` round-robin over publishers and channels at `rate`/s. */
  startPublishing(rate: number): void {
    this.stopTimer();
    const publishers = Math.max(1, Math.min(this.options.publishers ?? 4, this.clients.length));
    const maxInFlight = this.options.maxInFlight ?? 200;
    const pad = "x".repeat(this.options.payloadBytes ?? 0);
    const tickMs = Math.max(5, Math.round(1000 / rate));
    const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
    this.#publishTimer = setInterval(() => {
      for (let k = 0; k < perTick; k += 1) {
        if (this.#inFlight.size >= maxInFlight) {
          this.#skipped += 1;
          continue;
        }
        const n = this.#published++;
        const i = n % publishers;
        const channels = this.options.channels;
        const ch = channels[n % channels.length]!;
        this.publishOne(i, ch, `${this.ids[i]}-${n}`, pad, n);
      }
    }, tickMs);
  }

  private publishOne(i: number, ch: string, id: string, pad: string, order: number): void {
    const client = this.clients[i]!;
    const rec = this.options.recorder;
    const sentAt = Date.now();
    const p = client
      .publish(ch, { t: sentAt, pad }, { id })
      .then(
        (r) => {
          if (this.#closed) return;
          rec.ack({ id, ch, seq: r.seq, sentAt, okAt: Date.now(), client: this.ids[i]!, order });
          this.#maxAck.set(ch, Math.max(this.#maxAck.get(ch) ?? 0, r.seq));
        },
        (error: { code?: string }) => {
          if (this.#closed) return;
          rec.failure({
            id,
            ch,
            code: error.code ?? "unknown",
            sentAt,
            at: Date.now(),
            client: this.ids[i]!,
          });
        },
      )
      .finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  private stopTimer(): void {
    clearInterval(this.#publishTimer);
    this.#publishTimer = undefined;
  }

  /** Stops publishing and waits (bounded) for every publish to get its ok or fail. */
  async stopPublishing(timeoutMs = 70_000): Promise<void> {
    this.stopTimer();
    const deadline = Date.now() + timeoutMs;
    while (this.#inFlight.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.#inFlight]), delay(deadline - Date.now())]);
    }
  }

  get stats(): { published: number; skipped: number; inFlight: number } {
    return { published: this.#published, skipped: this.#skipped, inFlight: this.#inFlight.size };
  }

  /** Clients connected now to the node named `node`. */
  connectedTo(node: string): number {
    return this.clients.filter((c, i) => c?.connected && this.#nodes[i] === node).length;
  }

  /** Ids of the clients connected now to `node`. */
  idsOn(node: string): string[] {
    return this.ids.filter((_, i) => this.clients[i]?.connected && this.#nodes[i] === node);
  }

  /** The node each connected client is on now. */
  nodesInUse(): Map<string, number> {
    const out = new Map<string, number>();
    this.clients.forEach((c, i) => {
      const node = this.#nodes[i];
      if (c?.connected && node !== undefined) out.set(node, (out.get(node) ?? 0) + 1);
    });
    return out;
  }

  /** Clients connected now. */
  connectedCount(): number {
    return this.clients.filter((c) => c?.connected).length;
  }

  /**
   * Waits (bounded) until every connected subscriber has seen each channel's highest
   * acknowledged seq, so the checks do not count messages still on the wire as lost.
   */
  async quiesce(timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.caughtUp()) return true;
      await delay(200);
    }
    return this.caughtUp();
  }

  private caughtUp(): boolean {
    return this.clients.every((client, i) => {
      if (!client?.connected) return true;
      return (this.#subscriptions[i] ?? []).every(
        (ch) => (this.#lastSeq[i]!.get(ch) ?? 0) >= (this.#maxAck.get(ch) ?? 0),
      );
    });
  }

  /** Stops recording, publishing and every client (no reconnects afterwards). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.stopTimer();
    await Promise.all(this.clients.map((c) => c?.close().catch(() => {})));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
