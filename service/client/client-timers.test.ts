import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HubClient } from "./client.js";
import type { WebSocketLike } from "./socket.js";

// An in-memory socket the test drives by hand, so fake timers see every timer the client sets.
class MemorySocket implements WebSocketLike {
  static all: MemorySocket[] = [];
  readyState = 0;
  onopen: WebSocketLike["onopen"] = null;
  onmessage: WebSocketLike["onmessage"] = null;
  onclose: WebSocketLike["onclose"] = null;
  onerror: WebSocketLike["onerror"] = null;
  readonly sent: string[] = [];
  constructor(readonly url: string) {
    MemorySocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code = 1000, reason = ""): void {
    this.hubCloses(code, reason);
  }
  hello(): void {
    this.readyState = 1;
    this.onopen?.({});
    this.onmessage?.({ data: JSON.stringify({ op: "hello", node: "n1", conn: "c1" }) });
  }
  hubCloses(code: number, reason = ""): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }
}

const b64url = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
const jwtFor = (expMs: number) => `${b64url({ alg: "HS256" })}.${b64url({ exp: expMs / 1000 })}.s`;

function makeClient(heartbeat = true): HubClient {
  return new HubClient({
    urls: "ws://hub.test/v1/ws",
    WebSocket: MemorySocket,
    token: jwtFor(Date.now() + 3_600_000),
    refreshToken: async () => jwtFor(Date.now() + 3_600_000),
    ...(heartbeat ? { heartbeatTimeoutMs: 30_000 } : {}),
  });
}

describe("HubClient timers", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    MemorySocket.all = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("leaves no timer behind when closed while connected with work pending", async () => {
    const c = makeClient();
    const connected = c.connect();
    await vi.advanceTimersByTimeAsync(0);
    MemorySocket.all[0]?.hello();
    await connected;
    const sub = c.subscribe("room:1").catch((e: unknown) => e);
    const pub = c.publish("room:1", 1).catch((e: unknown) => e);
    // heartbeat, token refresh, the publish attempt and its deadline
    expect(vi.getTimerCount()).toBeGreaterThanOrEqual(4);
    await c.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(await sub).toMatchObject({ code: "closed" });
    expect(await pub).toMatchObject({ code: "closed" });
  });

  it("leaves no timer behind when closed while waiting to reconnect", async () => {
    const c = makeClient();
    c.on("error", () => {});
    void c.connect().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    MemorySocket.all[0]?.hello();
    MemorySocket.all[0]?.hubCloses(1013, "overloaded");
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBeGreaterThanOrEqual(1);
    await c.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(MemorySocket.all).toHaveLength(1);
  });

  it("refreshes the token before it expires and sends it on the live connection", async () => {
    const c = makeClient(false);
    const connected = c.connect();
    await vi.advanceTimersByTimeAsync(0);
    MemorySocket.all[0]?.hello();
    await connected;
    await vi.advanceTimersByTimeAsync(3_600_000 - 60_000);
    const refresh = MemorySocket.all[0]?.sent
      .map((f) => JSON.parse(f))
      .find((f) => f.op === "refresh");
    expect(refresh?.token).toMatch(/^ey/);
    expect(MemorySocket.all).toHaveLength(1);
    await c.close();
  });
});
