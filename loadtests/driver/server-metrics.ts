// Reading a node's resident memory from its Prometheus endpoint (prom-client default metrics).

/** The /metrics URL of a hub WebSocket URL (same host and port). */
export function metricsUrl(wsUrl: string): string {
  const url = new URL(wsUrl.replace(/^ws/, "http"));
  return `${url.protocol}//${url.host}/metrics`;
}

/** process_resident_memory_bytes from a Prometheus text body; undefined when absent. */
export function parseRss(body: string): number | undefined {
  const match = /^process_resident_memory_bytes(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(body);
  return match ? Number(match[1]) : undefined;
}

/** RSS of each node in bytes (-1 where /metrics did not answer within 3 s). */
export async function scrapeRss(wsUrls: string[]): Promise<number[]> {
  return Promise.all(
    wsUrls.map(async (u) => {
      try {
        const res = await fetch(metricsUrl(u), { signal: AbortSignal.timeout(3_000) });
        return parseRss(await res.text()) ?? -1;
      } catch {
        return -1;
      }
    }),
  );
}
