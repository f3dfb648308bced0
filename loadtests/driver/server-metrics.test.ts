import { describe, expect, it } from "vitest";
import { parseRss } from "./server-metrics.js";

describe("server metrics", () => {
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
