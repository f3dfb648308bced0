import { describe, expect, it } from "vitest";
import {
  BASE_BYTES,
  CONNECTION_OVERHEAD_BYTES,
  HTTP_HEADER_BYTES,
  maxConnectionBytesWithin,
  memoryBoundBytes,
} from "../../contract/index.js";
import { loadConfig } from "../config.js";

describe("memoryBoundBytes", () => {
  it("adds the base, every connection's bound and every HTTP socket's request", () => {
    const s = {
      maxConnections: 10,
      maxConnectionBytes: 1000,
      maxHttpSockets: 2,
      maxPayloadBytes: 100,
    };
    expect(memoryBoundBytes(s)).toBe(
      BASE_BYTES + 10 * (1000 + CONNECTION_OVERHEAD_BYTES + 100) + 2 * (HTTP_HEADER_BYTES + 100),
    );
  });

  it("grows with MAX_CONNECTIONS and MAX_CONNECTION_BYTES from the settings", () => {
    const a = loadConfig({});
    const b = loadConfig({ MAX_CONNECTIONS: String(a.maxConnections * 2) });
    expect(memoryBoundBytes(b) - memoryBoundBytes(a)).toBe(
      a.maxConnections * (a.maxConnectionBytes + CONNECTION_OVERHEAD_BYTES + a.maxPayloadBytes),
    );
  });

  it("derives the largest per-connection bound a memory limit covers", () => {
    const s = { maxConnections: 1000, maxHttpSockets: 64, maxPayloadBytes: 65_536 };
    const limit = 1024 * 1024 * 1024;
    const per = maxConnectionBytesWithin(limit, s);
    expect(memoryBoundBytes({ ...s, maxConnectionBytes: per })).toBeLessThanOrEqual(limit);
    expect(memoryBoundBytes({ ...s, maxConnectionBytes: per + 1 })).toBeGreaterThan(limit);
    expect(maxConnectionBytesWithin(BASE_BYTES, s)).toBe(0);
  });
});
