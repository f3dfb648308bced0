// The hub's Prometheus metric names, written once: the hub exports them, the alerts, the HPA and
// the chaos and load suites read them.
export const METRIC = {
  connections: "wshub_connections",
  connects: "wshub_connects_total",
  disconnects: "wshub_disconnects_total",
  messagesIn: "wshub_messages_in_total",
  messagesOut: "wshub_messages_out_total",
  deliveryLatency: "wshub_delivery_latency_seconds",
  slowConsumerCloses: "wshub_slow_consumer_closes_total",
  rateLimited: "wshub_rate_limited_total",
  authFailures: "wshub_auth_failures_total",
  errors: "wshub_errors_total",
  redisUp: "wshub_redis_up",
  eventLoopLag: "wshub_event_loop_lag_seconds",
  buildInfo: "wshub_build_info",
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
