import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HubClientError } from "./client-error.js";
import { encodePublish, Outbox } from "./outbox.js";

const opts = {
  timeoutMs: 1_000,
  deadlineMs: 10_000,
  maxPending: 2,
  ordered: false,
  backoff: { initialMs: 100, maxMs: 400 },
  random: () => 0.5,
};

function connectedOutbox(more: Partial<typeof opts> = {}) {
  const sent: string[] = [];
  const box = new Outbox({ ...opts, ...more });
  box.connected((f) => sent.push(f));
  return { box, sent };
}

describe("Outbox", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resolves on the ok with the same id and leaves no timer behind", async () => {
    const { box, sent } = connectedOutbox();
    const p = box.add("a", "room:1", "frame-a");
    expect(sent).toEqual(["frame-a"]);
    box.onOk({ op: "ok", id: "a", ch: "room:1", seq: 7 });
    await expect(p).resolves.toEqual({ id: "a", ch: "room:1", seq: 7 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("sends the same frame again after an attempt timed out, after backoff", async () => {
    const { box, sent } = connectedOutbox();
    void box.add("a", "room:1", "frame-a");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(50); // backoff attempt 0: 0.5 * 100 ms
    expect(sent).toEqual(["frame-a", "frame-a"]);
    expect(box.retries).toBe(1);
  });

  it("retries unavailable and rate_limited, rejects forbidden with its code", async () => {
    const { box, sent } = connectedOutbox();
    const a = box.add("a", "room:1", "frame-a");
    const b = box.add("b", "room:1", "frame-b");
    box.onError({ op: "error", id: "a", code: "unavailable", message: "bus down" });
    box.onError({ op: "error", id: "b", code: "forbidden", message: "not yours" });
    await expect(b).rejects.toMatchObject({ code: "forbidden", message: "not yours" });
    await vi.advanceTimersByTimeAsync(50);
    box.onError({ op: "error", id: "a", code: "rate_limited", message: "slow down" });
    await vi.advanceTimersByTimeAsync(100);
    expect(sent.filter((f) => f === "frame-a")).toHaveLength(3);
    box.onOk({ op: "ok", id: "a", ch: "room:1", seq: 1 });
    await expect(a).resolves.toMatchObject({ seq: 1 });
  });

  it("retries a publish whose outcome is unknown with the same frame (same id) until ok", async () => {
    const { box, sent } = connectedOutbox();
    const a = box.add("a", "room:1", "frame-a");
    box.onError({
      op: "error",
      id: "a",
      code: "publish_outcome_unknown",
      message: "sent, unconfirmed",
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual(["frame-a", "frame-a"]);
    box.onOk({ op: "ok", id: "a", ch: "room:1", seq: 7 });
    await expect(a).resolves.toMatchObject({ seq: 7 });
  });

  it("queues while disconnected and resends what awaited an ok on the next connection", async () => {
    const box = new Outbox(opts);
    const first: string[] = [];
    void box.add("a", "room:1", "frame-a");
    box.connected((f) => first.push(f));
    box.disconnected();
    void box.add("b", "room:1", "frame-b");
    const second: string[] = [];
    box.connected((f) => second.push(f));
    expect(first).toEqual(["frame-a"]);
    expect(second).toEqual(["frame-a", "frame-b"]);
  });

  it("rejects with publish_timeout at the deadline and queue_full beyond maxPending", async () => {
    const box = new Outbox(opts);
    const a = box.add("a", "room:1", "frame-a");
    const b = box.add("b", "room:1", "frame-b");
    await expect(box.add("c", "room:1", "frame-c")).rejects.toMatchObject({ code: "queue_full" });
    const settled = Promise.allSettled([a, b]);
    await vi.advanceTimersByTimeAsync(10_000);
    const [ra, rb] = await settled;
    expect(ra).toMatchObject({ status: "rejected", reason: { code: "publish_timeout" } });
    expect(rb).toMatchObject({ status: "rejected", reason: { code: "publish_timeout" } });
    expect(box.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects everything and clears every timer on closeAll", async () => {
    const { box } = connectedOutbox();
    const a = box.add("a", "room:1", "frame-a");
    box.closeAll(new HubClientError("closed", "bye"));
    await expect(a).rejects.toMatchObject({ code: "closed" });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("Outbox, ordered per channel", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps one channel's publishes in publish order across a retry; other channels go at once", async () => {
    const { box, sent } = connectedOutbox({ ordered: true, maxPending: 10 });
    const a = box.add("a", "room:1", "frame-a");
    const b = box.add("b", "room:1", "frame-b");
    const other = box.add("x", "room:2", "frame-x");
    expect(sent).toEqual(["frame-a", "frame-x"]);
    // a fails retryably: b must not overtake it.
    box.onError({
      op: "error",
      id: "a",
      code: "unavailable",
      message: "bus down",
      retryable: true,
    });
    await vi.advanceTimersByTimeAsync(50);
    expect(sent).toEqual(["frame-a", "frame-x", "frame-a"]);
    box.onOk({ op: "ok", id: "a", ch: "room:1", seq: 1 });
    expect(sent.at(-1)).toBe("frame-b");
    box.onOk({ op: "ok", id: "b", ch: "room:1", seq: 2 });
    box.onOk({ op: "ok", id: "x", ch: "room:2", seq: 1 });
    await expect(Promise.all([a, b, other])).resolves.toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("lets the next publish go when the one before it is refused for good", async () => {
    const { box, sent } = connectedOutbox({ ordered: true, maxPending: 10 });
    const a = box.add("a", "room:1", "frame-a");
    void box.add("b", "room:1", "frame-b");
    box.onError({ op: "error", id: "a", code: "forbidden", message: "no", retryable: false });
    await expect(a).rejects.toMatchObject({ code: "forbidden", ch: "room:1" });
    expect(sent).toEqual(["frame-a", "frame-b"]);
  });

  it("retries publish_outcome_unknown with the same id, by the protocol's table when the frame does not say", async () => {
    const { box, sent } = connectedOutbox({ ordered: true });
    const a = box.add("a", "room:1", "frame-a");
    box.onError({ op: "error", id: "a", code: "publish_outcome_unknown", message: "unknown" });
    await vi.advanceTimersByTimeAsync(50);
    expect(sent).toEqual(["frame-a", "frame-a"]);
    box.onOk({ op: "ok", id: "a", ch: "room:1", seq: 4 });
    await expect(a).resolves.toMatchObject({ seq: 4 });
  });
});

describe("encodePublish", () => {
  it("builds the pub frame with the id", () => {
    expect(JSON.parse(encodePublish("room:1", { x: 1 }, "i-1", 1_000) as string)).toEqual({
      op: "pub",
      ch: "room:1",
      data: { x: 1 },
      id: "i-1",
    });
  });

  it("refuses undefined, unserializable and oversized data (multi-byte characters counted)", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(encodePublish("c", undefined, "i", 1_000)).toBeInstanceOf(HubClientError);
    expect(encodePublish("c", cyclic, "i", 1_000)).toBeInstanceOf(HubClientError);
    // 400 three-byte characters: under 1 000 UTF-16 units, over 1 000 bytes.
    expect(encodePublish("c", "€".repeat(400), "i", 1_000)).toBeInstanceOf(HubClientError);
    expect(typeof encodePublish("c", "e".repeat(400), "i", 1_000)).toBe("string");
  });
});
