// The node's Prometheus metrics; one registry per node so tests can run several in one process.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { METRIC } from "../contract/index.js";

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(labels: { version: string; node: string }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const m = {
    registry,
    connections: new Gauge({
      name: METRIC.connections,
      help: "Open WebSocket connections",
      registers: [registry],
    }),
    connects: new Counter({
      name: METRIC.connects,
      help: "Accepted WebSocket connections",
      registers: [registry],
    }),
    disconnects: new Counter({
      name: METRIC.disconnects,
      help: "Closed WebSocket connections by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    messagesIn: new Counter({
      name: METRIC.messagesIn,
      help: "Messages published through this node",
      registers: [registry],
    }),
    messagesOut: new Counter({
      name: METRIC.messagesOut,
      help: "Message frames written to sockets",
      registers: [registry],
    }),
    deliveryLatency: new Histogram({
      name: METRIC.deliveryLatency,
      help: "From publish accepted to socket write",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.8, 1, 2.5, 5],
      registers: [registry],
    }),
    slowConsumerCloses: new Counter({
      name: METRIC.slowConsumerCloses,
      help: "Connections closed with 1013 because their send buffer passed SLOW_CONSUMER_BYTES",
      registers: [registry],
    }),
    connectionBytesCloses: new Counter({
      name: "wshub_connection_bytes_closes_total",
      help: "Connections closed with 1013 because they held more than MAX_CONNECTION_BYTES",
      registers: [registry],
    }),
    httpSocketsRefused: new Counter({
      name: "wshub_http_sockets_refused_total",
      help: "TCP connections closed at accept because MAX_HTTP_SOCKETS were being read as HTTP",
      registers: [registry],
    }),
    acceptErrors: new Counter({
      name: "wshub_accept_errors_total",
      help: "Connections the server could not accept, by error code (EMFILE: out of file descriptors)",
      labelNames: ["code"] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: METRIC.rateLimited,
      help: "Frames refused by a per-connection rate limit (pub, sub/unsub, refresh)",
      registers: [registry],
    }),
    authFailures: new Counter({
      name: METRIC.authFailures,
      help: "Refused upgrades and refreshes by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    errors: new Counter({
      name: METRIC.errors,
      help: "Error frames sent, by code",
      labelNames: ["code"] as const,
      registers: [registry],
    }),
    redisUp: new Gauge({
      name: METRIC.redisUp,
      help: "1 while the bus (Redis) is reachable",
      registers: [registry],
    }),
    eventLoopLag: new Gauge({
      name: METRIC.eventLoopLag,
      help: "Event loop delay p99 over the last scrape interval",
      registers: [registry],
      collect() {
        this.set(loopDelay.percentile(99) / 1e9);
        loopDelay.reset();
      },
    }),
    buildInfo: new Gauge({
      name: METRIC.buildInfo,
      help: "Version and node id of this hub",
      labelNames: ["version", "node"] as const,
      registers: [registry],
    }),
    /** The current event-loop delay p99 in ms without resetting the scrape window. */
    loopDelayMs: () => loopDelay.percentile(99) / 1e6,
    stop: () => loopDelay.disable(),
  };
  m.buildInfo.set(labels, 1);
  return m;
}
