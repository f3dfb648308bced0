// The custom metrics, named as lib/slo.ts names them so thresholds and summaries line up.
import { Counter, Gauge, Rate, Trend } from "k6/metrics";
import { METRIC } from "../lib/slo.ts";

export const connectSuccess = new Rate(METRIC.connectSuccess);
export const errors = new Rate(METRIC.errors);
export const deliveryLatency = new Trend(METRIC.delivery, true);
export const reconnectTime = new Trend(METRIC.reconnect, true);
export const messagesLost = new Counter(METRIC.lost);
export const messagesDuplicated = new Counter(METRIC.duplicates);
export const messagesPublished = new Counter(METRIC.published);
export const messagesReceived = new Counter(METRIC.received);
export const serverRss = new Gauge("server_rss_bytes");
