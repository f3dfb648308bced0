// The most memory a hub node can be made to hold, from its settings: what the container's memory
// limit must cover. Every client-controlled byte is bounded per connection (MAX_CONNECTION_BYTES)
// or per HTTP socket (MAX_HTTP_SOCKETS × one request); the rest is the process itself.
// Not included: the memory bus's history (HISTORY_SIZE × message size per channel), which is
// why production runs on Redis.

const MiB = 1024 * 1024;

/** The process at rest: V8, Node, the modules, metrics, a few hundred timers. Measured ~70 MiB. */
export const BASE_BYTES = 96 * MiB;
/**
 * Per connection, what MAX_CONNECTION_BYTES does not see: ws's parser buffers, Node's socket
 * wrapper, the frame being read (at most one maxPayload-sized frame is counted separately).
 */
export const CONNECTION_OVERHEAD_BYTES = 16 * 1024;
/** Node's largest request header block (--max-http-header-size default). */
export const HTTP_HEADER_BYTES = 16 * 1024;

export type MemorySettings = {
  maxConnections: number;
  maxConnectionBytes: number;
  maxHttpSockets: number;
  maxPayloadBytes: number;
};

/** The bound in bytes: base + connections × (their bound + overhead) + HTTP sockets × a request. */
export function memoryBoundBytes(s: MemorySettings): number {
  return (
    BASE_BYTES +
    s.maxConnections * (s.maxConnectionBytes + CONNECTION_OVERHEAD_BYTES + s.maxPayloadBytes) +
    s.maxHttpSockets * (HTTP_HEADER_BYTES + s.maxPayloadBytes)
  );
}

/** The largest MAX_CONNECTION_BYTES for which `limitBytes` covers the bound; 0 when none does. */
export function maxConnectionBytesWithin(
  limitBytes: number,
  s: Omit<MemorySettings, "maxConnectionBytes">,
): number {
  const rest = memoryBoundBytes({ ...s, maxConnectionBytes: 0 });
  return Math.max(0, Math.floor((limitBytes - rest) / s.maxConnections));
}
