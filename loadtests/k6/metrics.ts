// The custom metrics, named as lib/slo.ts names them so thresholds and summaries line up.
import { Counter, Gauge, Rate, Trend } from "k6/metrics";
import { METRIC } from "../lib/slo.ts";
import { rssMetricNames } from "./config.ts";

export const connectSuccess = new Rate(METRIC.connectSuccess);
/** One sample per operation (connect, subscribe, publish, unexpected close), true when it failed. */
export const errors = new Rate(METRIC.errors);
export const deliveryLatency = new Trend(METRIC.delivery, true);
export const reconnectTime = new Trend(METRIC.reconnect, true);
export const reconnects = new Counter(METRIC.reconnects);
/** Messages stored by the hub (acknowledged) that a subscriber did not receive; added live. */
export const messagesLost = new Counter(METRIC.lost);
export const messagesDuplicated = new Counter(METRIC.duplicates);
/** Publishes acknowledged with `ok` (or HTTP 200), counted when the acknowledgement arrives. */
export const messagesPublished = new Counter(METRIC.published);
export const messagesReceived = new Counter(METRIC.received);
/** Each node's resident memory, one gauge per HUB_URLS entry. */
export const serverRss = rssMetricNames.map((name) => new Gauge(name));
