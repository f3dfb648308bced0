// Reading a node's resident memory from its Prometheus endpoint (prom-client default metrics) on
// the node's internal port.

/** process_resident_memory_bytes from a Prometheus text body; undefined when absent. */
export function parseRss(body: string): number | undefined {
  const match = /^process_resident_memory_bytes(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(body);
  return match ? Number(match[1]) : undefined;
}

/** RSS of each node in bytes (-1 where /metrics did not answer within 3 s). */
export async function scrapeRss(metricsUrls: string[]): Promise<number[]> {
  return Promise.all(
    metricsUrls.map(async (u) => {
      try {
        const res = await fetch(u, { signal: AbortSignal.timeout(3_000) });
        return parseRss(await res.text()) ?? -1;
      } catch {
        return -1;
      }
    }),
  );
}
