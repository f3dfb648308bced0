import { describe, expect, it } from "vitest";
import { metricsUrl, parseRss } from "./server-metrics.js";

describe("server metrics", () => {
  it("derives /metrics from a hub WebSocket URL", () => {
    expect(metricsUrl("ws://127.0.0.1:8080/v1/ws")).toBe("http://127.0.0.1:8080/metrics");
    expect(metricsUrl("wss://hub.example/v1/ws?token=x")).toBe("https://hub.example/metrics");
  });

  it("reads process_resident_memory_bytes, not a metric whose name starts the same", () => {
    const body = [
      "# HELP process_resident_memory_bytes Resident memory size in bytes.",
      "process_resident_memory_bytes_total 1",
      "process_resident_memory_bytes 52428800",
    ].join("\n");
    expect(parseRss(body)).toBe(52_428_800);
    expect(parseRss("wshub_connections 3")).toBeUndefined();
  });
});
