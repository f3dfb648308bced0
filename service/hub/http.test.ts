import { afterEach, describe, expect, it } from "vitest";
import type { HubNode } from "./node.js";
import {
  httpUrl,
  internalUrl,
  metricValue,
  releaseAll,
  SwitchableBroker,
  startHub,
  TestClient,
  waitFor,
  wsUrl,
} from "./testing/hub-harness.js";

afterEach(releaseAll);

const API_KEY = "unit-api-key-0123456789";

/** POSTs `body` (a string is sent as is) with the API key, or with none when `key` is null. */
function publish(node: HubNode, body: unknown, key: string | null = API_KEY): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  return fetch(httpUrl(node, "/v1/publish"), {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("probes and metrics", () => {
  it("answers /livez 200 and /readyz 200 with status, version and node", async () => {
    const node = await startHub({ APP_VERSION: "1.2.3", NODE_ID: "hub-x" });
    const live = await fetch(internalUrl(node, "/livez"));
    expect(live.status).toBe(200);
    const ready = await fetch(internalUrl(node, "/readyz"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", version: "1.2.3", node: "hub-x" });
    const missing = await fetch(internalUrl(node, "/nope"));
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatch(/\/readyz/);
  });

  it("keeps probes and metrics off the public port and publishing off the internal one", async () => {
    const node = await startHub({ NODE_ID: "hub-x" });
    expect(node.internalPort).not.toBe(node.port);
    for (const path of ["/livez", "/readyz", "/metrics"]) {
      const res = await fetch(httpUrl(node, path));
      expect(res.status, path).toBe(404);
      expect(JSON.stringify(await res.json())).not.toMatch(/hub-x/);
    }
    const publish = await fetch(internalUrl(node, "/v1/publish"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ch: "a", data: 1 }),
    });
    expect(publish.status).toBe(404);
  });

  it("exports every wshub metric and the default process metrics", async () => {
    const node = await startHub({ APP_VERSION: "1.2.3", NODE_ID: "hub-x" });
    const c = await TestClient.connect(wsUrl(node));
    await c.subscribe("room:1");
    c.send({ op: "pub", ch: "room:1", data: 1 });
    await c.next((f) => f.op === "msg", "msg");
    c.send({ op: "nope" });
    await c.next((f) => f.op === "error", "error");
    const res = await fetch(internalUrl(node, "/metrics"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await res.text();
    for (const name of [
      "wshub_connections",
      "wshub_connects_total",
      "wshub_disconnects_total",
      "wshub_messages_in_total",
      "wshub_messages_out_total",
      "wshub_delivery_latency_seconds",
      "wshub_slow_consumer_closes_total",
      "wshub_rate_limited_total",
      "wshub_auth_failures_total",
      "wshub_errors_total",
      "wshub_redis_up",
      "wshub_event_loop_lag_seconds",
      "wshub_build_info",
      "process_cpu_user_seconds_total",
      "nodejs_eventloop_lag_seconds",
    ]) {
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, "m"));
    }
    expect(text).toMatch(/^wshub_connections 1$/m);
    expect(text).toMatch(/^wshub_messages_in_total 1$/m);
    expect(text).toMatch(/^wshub_messages_out_total 1$/m);
    expect(text).toMatch(/^wshub_delivery_latency_seconds_count 1$/m);
    expect(text).toMatch(/^wshub_redis_up 1$/m);
    expect(text).toMatch(/^wshub_errors_total\{code="unknown_op"\} 1$/m);
    expect(text).toMatch(/^wshub_build_info\{version="1.2.3",node="hub-x"\} 1$/m);
  });
});

describe("POST /v1/publish", () => {
  it("refuses a missing or wrong API key with 401 when API_KEY is set", async () => {
    const node = await startHub({ API_KEY });
    for (const key of [null, "wrong", `${API_KEY}x`, ""]) {
      const res = await publish(node, { ch: "news", data: 1 }, key);
      expect(res.status, `key ${key}`).toBe(401);
      expect((await res.json()).error).toMatch(/Authorization: Bearer/);
    }
    const ok = await publish(node, { ch: "news", data: 1 });
    expect(ok.status).toBe(200);
  });

  it("answers 400 with a clear message for bad bodies", async () => {
    const node = await startHub({ API_KEY });
    const cases: [unknown, RegExp][] = [
      ["{not json", /not valid JSON/],
      [[1, 2], /JSON object/],
      ['"text"', /JSON object/],
      [{ data: 1 }, /`ch` must match/],
      [{ ch: "bad channel", data: 1 }, /`ch` must match/],
      [{ ch: "x".repeat(129), data: 1 }, /`ch` must match/],
      [{ ch: "news" }, /`data` is required/],
      [{ ch: "news", data: 1, id: 7 }, /`id` must be/],
      [{ ch: "news", data: 1, id: "" }, /`id` must be/],
      [{ ch: "news", data: 1, id: "i".repeat(129) }, /`id` must be/],
    ];
    for (const [body, message] of cases) {
      const res = await publish(node, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).error).toMatch(message);
    }
  });

  it("publishes to subscribers and answers {seq, epoch}; the same id gets the same seq", async () => {
    const node = await startHub({ API_KEY });
    const c = await TestClient.connect(wsUrl(node));
    const { epoch } = await c.subscribe("news");
    const first = await publish(node, { ch: "news", data: { headline: "hi" }, id: "n-1" });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ seq: 1, epoch });
    const retry = await publish(node, { ch: "news", data: { headline: "hi" }, id: "n-1" });
    expect(await retry.json()).toEqual({ seq: 1, epoch });
    const other = await publish(node, { ch: "news", data: null });
    expect(await other.json()).toEqual({ seq: 2, epoch });
    await waitFor("two messages", () => c.where("msg").length === 2);
    expect(c.where("msg")).toEqual([
      { op: "msg", ch: "news", seq: 1, data: { headline: "hi" }, id: "n-1" },
      { op: "msg", ch: "news", seq: 2, data: null },
    ]);
  });

  it("refuses a body over MAX_PAYLOAD_BYTES with 413", async () => {
    const node = await startHub({ MAX_PAYLOAD_BYTES: "1024" });
    const res = await publish(node, { ch: "news", data: "x".repeat(2_000) });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatch(/MAX_PAYLOAD_BYTES \(1024\)/);
    expect((await publish(node, { ch: "news", data: "x".repeat(500) })).status).toBe(200);
  });

  it("answers 503 unavailable, never a false success, while the bus is down", async () => {
    const broker = new SwitchableBroker();
    const node = await startHub({}, { broker });
    const c = await TestClient.connect(wsUrl(node));
    broker.setDown("test outage");
    const res = await publish(node, { ch: "news", data: 1, id: "n-1" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toMatchObject({
      code: "unavailable",
      error: expect.stringMatching(/retry/),
    });
    c.send({ op: "pub", ch: "news", data: 1, id: "w-1" });
    expect(await c.next((f) => f.op === "error", "unavailable")).toMatchObject({
      code: "unavailable",
      id: "w-1",
    });
    expect(c.where("ok")).toEqual([]);
    const ready = await fetch(internalUrl(node, "/readyz"));
    expect(ready.status).toBe(503);
    expect((await ready.json()).reason).toMatch(/bus unreachable: test outage/);
    expect(await metricValue(node, "wshub_redis_up")).toBe(0);
    broker.setDown(undefined);
    expect((await fetch(internalUrl(node, "/readyz"))).status).toBe(200);
    expect(await (await publish(node, { ch: "news", data: 1, id: "n-1" })).json()).toMatchObject({
      seq: 1,
    });
  });
});
