// Opening a crowd of subscribers over several nodes, and counting what they missed at the end.
import { HubConnection } from "./hub-connection.js";
import { pollUntil, ramp } from "./pace.js";
import type { Recorder } from "./recorder.js";

export interface CrowdOptions {
  urls: string[];
  count: number;
  /** Connection attempts started per second. */
  perSecond: number;
  channel?: string;
  headers: Record<string, string>;
  recorder: Recorder;
  signal?: AbortSignal;
}

/** The crowd a scenario opens: its connections at its connect rate, on `channel` when given. */
export function crowdOf(
  ctx: Pick<CrowdOptions, "urls" | "headers" | "recorder" | "signal"> & {
    connections: number;
    connectRate: number;
  },
  channel?: string,
): CrowdOptions {
  return {
    urls: ctx.urls,
    count: ctx.connections,
    perSecond: ctx.connectRate,
    ...(channel === undefined ? {} : { channel }),
    headers: ctx.headers,
    recorder: ctx.recorder,
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  };
}

/** Concurrent connection attempts at most; more only queues in the server's accept backlog. */
const IN_FLIGHT = 256;

/** Opens `count` connections round-robin over the URLs; returns all of them (failed ones closed). */
export async function openCrowd(options: CrowdOptions): Promise<HubConnection[]> {
  const conns: HubConnection[] = [];
  await ramp(
    options.count,
    options.perSecond,
    IN_FLIGHT,
    async (i) => {
      const conn = new HubConnection({
        url: options.urls[i % options.urls.length] as string,
        recorder: options.recorder,
        headers: options.headers,
        ...(options.channel === undefined ? {} : { channel: options.channel }),
      });
      conns.push(conn);
      await conn.connect();
    },
    options.signal,
  );
  return conns;
}

/**
 * Waits (bounded) until every open subscriber reached `lastSeq`, then adds gaps and the missing
 * tail to `lost`. A connection the server closed is an error already, not counted again here.
 */
export async function countLoss(
  conns: HubConnection[],
  channel: string,
  lastSeq: number,
  recorder: Recorder,
  ms: number,
): Promise<void> {
  const live = conns.filter((c) => c.open);
  await pollUntil(() => live.every((c) => (c.tracker.last(channel) ?? 0) >= lastSeq), ms);
  for (const c of live) {
    recorder.lost += c.tracker.gaps + c.tracker.missingTail(channel, lastSeq);
    recorder.duplicated += c.tracker.duplicates;
  }
}

/** Closes every connection, bounded. */
export async function closeAll(conns: HubConnection[]): Promise<void> {
  await Promise.all(conns.map((c) => c.close()));
}
