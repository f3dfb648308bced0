/** What one client saw, in order, with wall-clock times (ms since epoch). */
export type ClientEvent =
  | { t: number; type: "open"; node: string }
  | { t: number; type: "close"; code: number; reason: string; willReconnect: boolean }
  | { t: number; type: "subscribed"; ch: string; seq: number; epoch: string; recovered: boolean }
  | { t: number; type: "gap"; ch: string }
  | { t: number; type: "retry"; attempt: number; delayMs: number }
  | { t: number; type: "msg"; ch: string; seq: number; id?: string; latencyMs?: number };

export interface ClientRecord {
  id: string;
  events: ClientEvent[];
  /** Excluded from loss/order checks on purpose (a client the scenario makes misbehave). */
  misbehaving?: boolean;
}

/** A publish the hub acknowledged with `ok`. */
export interface Ack {
  id: string;
  ch: string;
  seq: number;
  sentAt: number;
  okAt: number;
  client: string;
  /** The publisher's own count of its publishes when it made this one: its call order. */
  order?: number;
}

export interface PublishFailure {
  id: string;
  ch: string;
  code: string;
  /** When the publish was sent, and when its refusal arrived. */
  sentAt: number;
  at: number;
  client: string;
}

/** Everything a scenario's fleet recorded; the invariants are pure functions over it. */
export interface Recording {
  startedAt: number;
  endedAt: number;
  clients: ClientRecord[];
  acks: Ack[];
  failures: PublishFailure[];
}

/** Collects a run's events; the fleet writes to it, the invariants and the report read it. */
export class ScenarioRecorder {
  readonly startedAt = Date.now();
  private readonly clients = new Map<string, ClientRecord>();
  private readonly acks: Ack[] = [];
  private readonly failures: PublishFailure[] = [];

  client(id: string, misbehaving = false): ClientRecord {
    let record = this.clients.get(id);
    if (!record) {
      record = { id, events: [], misbehaving };
      this.clients.set(id, record);
    }
    return record;
  }

  event(id: string, event: ClientEvent): void {
    this.client(id).events.push(event);
  }

  ack(ack: Ack): void {
    this.acks.push(ack);
  }

  failure(failure: PublishFailure): void {
    this.failures.push(failure);
  }

  get ackCount(): number {
    return this.acks.length;
  }

  /** A snapshot for checks and reports. */
  recording(): Recording {
    return {
      startedAt: this.startedAt,
      endedAt: Date.now(),
      clients: [...this.clients.values()],
      acks: [...this.acks],
      failures: [...this.failures],
    };
  }
}

/** The p-th percentile (0..100) of `values`, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
