import { type ClientRecord, percentile, type Recording } from "./recording.js";

/** One checked invariant: what the report shows and what fails the scenario. */
export interface InvariantResult {
  name: string;
  pass: boolean;
  /** Numbers behind the verdict (counts, bounds, measured times). */
  figures: Record<string, number | string | boolean>;
  /** The first violations, enough to debug (bounded). */
  violations: string[];
}

const MAX_SHOWN = 20;

/** Builds a result; `violations` beyond the first 20 are counted, not listed. */
export function verdict(
  name: string,
  violations: readonly string[],
  figures: InvariantResult["figures"] = {},
): InvariantResult {
  const shown = violations.slice(0, MAX_SHOWN);
  if (violations.length > MAX_SHOWN) shown.push(`... and ${violations.length - MAX_SHOWN} more`);
  return { name, pass: violations.length === 0, figures, violations: shown };
}

function checked(records: readonly ClientRecord[]): ClientRecord[] {
  return records.filter((r) => !r.misbehaving);
}

/** True when the client's last event of kind open/close is an open (connected at the end). */
function connectedAtEnd(record: ClientRecord): boolean {
  for (let i = record.events.length - 1; i >= 0; i -= 1) {
    const type = record.events[i]!.type;
    if (type === "open") return true;
    if (type === "close") return false;
  }
  return false;
}

/**
 * 1. No acknowledged message is missing at a subscriber that stayed subscribed or resumed with
 * `recovered:true`: every `ok`ed message after the subscriber's last unrecovered subscribe (its
 * first, or a `recovered:false` one) reached it. "After" is by seq OR by time (published after
 * the client had its `subscribed`), so an `ok` carrying a wrong seq cannot hide a loss.
 */
export function noAcknowledgedLoss(recording: Recording): InvariantResult {
  const violations: string[] = [];
  const acksByChannel = new Map<string, Recording["acks"]>();
  for (const ack of recording.acks) {
    const list = acksByChannel.get(ack.ch) ?? [];
    list.push(ack);
    acksByChannel.set(ack.ch, list);
  }
  let expected = 0;
  let missing = 0;
  let subscribers = 0;
  for (const record of checked(recording.clients)) {
    if (!connectedAtEnd(record)) continue;
    const base = new Map<string, { seq: number; t: number }>();
    const received = new Map<string, Set<string>>();
    for (const e of record.events) {
      if (e.type === "subscribed" && (!base.has(e.ch) || !e.recovered))
        base.set(e.ch, { seq: e.seq, t: e.t });
      if (e.type === "msg" && e.id !== undefined) {
        const set = received.get(e.ch) ?? new Set<string>();
        set.add(e.id);
        received.set(e.ch, set);
      }
    }
    for (const [ch, from] of base) {
      subscribers += 1;
      const got = received.get(ch) ?? new Set<string>();
      for (const ack of acksByChannel.get(ch) ?? []) {
        if (ack.seq <= from.seq && ack.sentAt <= from.t) continue;
        expected += 1;
        if (!got.has(ack.id)) {
          missing += 1;
          violations.push(`${record.id} missed ${ch} seq ${ack.seq} (id ${ack.id})`);
        }
      }
    }
  }
  return verdict("no acknowledged message lost", violations, {
    acknowledged: recording.acks.length,
    subscriptionsChecked: subscribers,
    deliveriesExpected: expected,
    missing,
  });
}

/**
 * 2. Per channel, each subscriber saw strictly increasing seq with no duplicate, and no gap
 * except across a subscribe that said `recovered:false` (where the client was told).
 */
export function orderedWithoutDuplicates(recording: Recording): InvariantResult {
  const violations: string[] = [];
  let duplicates = 0;
  let reordered = 0;
  let gaps = 0;
  for (const record of checked(recording.clients)) {
    const last = new Map<string, { seq: number; epoch: string; gapAllowed: boolean }>();
    const seen = new Map<string, Set<number>>();
    for (const e of record.events) {
      if (e.type === "subscribed") {
        const prev = last.get(e.ch);
        if (!prev) {
          seen.set(e.ch, new Set());
          last.set(e.ch, { seq: e.seq, epoch: e.epoch, gapAllowed: false });
        } else if (prev.epoch !== e.epoch) {
          // A new life of the sequence: seq restarts, and the client was told it missed messages.
          seen.set(e.ch, new Set());
          last.set(e.ch, { seq: 0, epoch: e.epoch, gapAllowed: true });
        } else if (!e.recovered) {
          prev.gapAllowed = true;
        }
        continue;
      }
      if (e.type !== "msg") continue;
      const state = last.get(e.ch);
      if (!state) {
        violations.push(`${record.id} got ${e.ch} seq ${e.seq} before any subscribed`);
        continue;
      }
      const set = seen.get(e.ch) ?? new Set<number>();
      seen.set(e.ch, set);
      if (set.has(e.seq)) {
        duplicates += 1;
        violations.push(`${record.id} got ${e.ch} seq ${e.seq} twice`);
      } else if (e.seq <= state.seq) {
        reordered += 1;
        violations.push(`${record.id} got ${e.ch} seq ${e.seq} after seq ${state.seq}`);
      } else if (e.seq !== state.seq + 1 && !state.gapAllowed) {
        gaps += 1;
        violations.push(`${record.id} skipped ${e.ch} seq ${state.seq + 1}..${e.seq - 1}`);
      }
      if (e.seq > state.seq) state.gapAllowed = false;
      set.add(e.seq);
      if (e.seq > state.seq) state.seq = e.seq;
    }
  }
  return verdict("per-channel order, no duplicates, no silent gaps", violations, {
    duplicates,
    reordered,
    gaps,
  });
}

/**
 * 2b. Each publisher's messages on a channel were stored in the order it published them (the
 * SDK's default `publishOrder: "per-channel"`, retries included): its acknowledged publishes, in
 * call order, carry increasing seq.
 */
export function storedInPublishOrder(recording: Recording): InvariantResult {
  const violations: string[] = [];
  const byPublisher = new Map<string, Recording["acks"]>();
  for (const ack of recording.acks) {
    if (ack.order === undefined) continue;
    const key = `${ack.client}\u0000${ack.ch}`;
    const list = byPublisher.get(key) ?? [];
    list.push(ack);
    byPublisher.set(key, list);
  }
  let reordered = 0;
  for (const acks of byPublisher.values()) {
    acks.sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    for (let k = 1; k < acks.length; k++) {
      const [before, after] = [acks[k - 1]!, acks[k]!];
      if (after.seq > before.seq) continue;
      reordered += 1;
      violations.push(
        `${after.client} on ${after.ch}: publish ${after.id} stored at seq ${after.seq}, before its earlier ${before.id} at seq ${before.seq}`,
      );
    }
  }
  return verdict("each publisher's messages stored in the order it sent them", violations, {
    publishers: byPublisher.size,
    reordered,
  });
}

/**
 * 3. Every client that lost its connection was connected again within `boundMs`, and every
 * client is connected at the end.
 */
export function reconnectedWithin(recording: Recording, boundMs: number): InvariantResult {
  const violations: string[] = [];
  const times: number[] = [];
  for (const record of checked(recording.clients)) {
    let closedAt: number | undefined;
    for (const e of record.events) {
      if (e.type === "close") closedAt ??= e.t;
      if (e.type === "open" && closedAt !== undefined) {
        const took = e.t - closedAt;
        times.push(took);
        if (took > boundMs) violations.push(`${record.id} took ${took} ms to reconnect`);
        closedAt = undefined;
      }
    }
    if (!connectedAtEnd(record)) violations.push(`${record.id} is not connected at the end`);
  }
  return verdict(`every client reconnected within ${boundMs} ms`, violations, {
    boundMs,
    reconnects: times.length,
    p50Ms: Math.round(percentile(times, 50)) || 0,
    maxMs: times.length ? Math.max(...times) : 0,
  });
}

/** Every resubscribe after a reconnect recovered (history covered the outage). */
export function resumesRecovered(recording: Recording): InvariantResult {
  const violations: string[] = [];
  let resumes = 0;
  for (const record of checked(recording.clients)) {
    const subscribedOnce = new Set<string>();
    for (const e of record.events) {
      if (e.type === "gap") violations.push(`${record.id} was told of a gap on ${e.ch}`);
      if (e.type !== "subscribed") continue;
      if (subscribedOnce.has(e.ch)) {
        resumes += 1;
        if (!e.recovered) violations.push(`${record.id} resumed ${e.ch} with recovered:false`);
      }
      subscribedOnce.add(e.ch);
    }
  }
  return verdict("every resume recovered from history", violations, { resumes });
}

/** What teardown left behind; every figure must be 0. */
export interface LeakCount {
  containers: number;
  networks: number;
  clientSockets: number;
  hubConnections: number;
}

/** 4. No container, network or connection outlived the scenario. */
export function noLeaks(left: LeakCount): InvariantResult {
  const violations = Object.entries(left)
    .filter(([, n]) => n !== 0)
    .map(([what, n]) => `${n} ${what} left after teardown`);
  return verdict("no container or connection leaks", violations, { ...left });
}
