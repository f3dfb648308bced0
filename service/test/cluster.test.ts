// Two real hub processes on one real Redis: cross-node delivery, resume on another node, dedupe
// across nodes, and a Redis outage on one node (unready, `unavailable`, no gap afterwards).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  ensureHubBuilt,
  type HubProcess,
  startHubProcess,
} from "../../loadtests/harness/hub-process.js";
import { type RunningRedis, startRedis } from "../../loadtests/harness/redis.js";
import { FaultProxy } from "../../testkit/fault-proxy.js";

type Frame = { op: string; [key: string]: unknown };

/** A raw protocol client: every frame kept, waits bounded. */
class Raw {
  readonly frames: Frame[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (d) => this.frames.push(JSON.parse(String(d)) as Frame));
  }
  static async open(url: string): Promise<Raw> {
    const ws = new WebSocket(url);
    const c = new Raw(ws);
    await c.next((f) => f.op === "hello");
    return c;
  }
  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }
  async next(match: (f: Frame) => boolean, withinMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const f = this.frames.find(match);
      if (f) return f;
      if (Date.now() > deadline) {
        throw new Error(
          `no matching frame within ${withinMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  seqs(ch: string): number[] {
    return this.frames.filter((f) => f.op === "msg" && f.ch === ch).map((f) => f.seq as number);
  }
  async subscribe(ch: string, since?: number, epoch?: string): Promise<Frame> {
    this.send(since === undefined ? { op: "sub", ch } : { op: "sub", ch, since, epoch });
    return this.next((f) => f.op === "subscribed" && f.ch === ch);
  }
  async publish(ch: string, data: unknown, id: string): Promise<Frame> {
    this.send({ op: "pub", ch, data, id });
    return this.next((f) => (f.op === "ok" || f.op === "error") && f.id === id);
  }
  close(): void {
    this.ws.terminate();
  }
}

async function status(url: string): Promise<number> {
  return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status;
}

let redis: RunningRedis;
let proxy: FaultProxy;
let a: HubProcess;
let b: HubProcess;
const clients: Raw[] = [];

async function client(node: HubProcess): Promise<Raw> {
  const c = await Raw.open(node.wsUrl);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  ensureHubBuilt();
  redis = await startRedis();
  const target = new URL(redis.url);
  proxy = await FaultProxy.start({
    name: "redis-b",
    listen: { host: "127.0.0.1" },
    upstream: { host: target.hostname, port: Number(target.port) },
  });
  const env = { HISTORY_SIZE: "100", HEARTBEAT_SECONDS: "5" };
  [a, b] = await Promise.all([
    startHubProcess({ nodeId: "hub-a", redisUrl: redis.url, env }),
    startHubProcess({
      nodeId: "hub-b",
      redisUrl: `redis://127.0.0.1:${proxy.address.port}`,
      env,
    }),
  ]);
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([a?.stop(), b?.stop()]);
  await proxy?.close();
  await redis?.stop();
});

describe("two hub processes on one Redis", () => {
  it("delivers a message published on one node to subscribers on both, once, in order", async () => {
    const onA = await client(a);
    const onB = await client(b);
    const publisher = await client(b);
    await onA.subscribe("room:x");
    await onB.subscribe("room:x");
    const oks: Frame[] = [];
    for (let i = 1; i <= 20; i++) oks.push(await publisher.publish("room:x", { i }, `x-${i}`));
    expect(oks.map((o) => o.op)).toEqual(Array(20).fill("ok"));
    const seqs = oks.map((o) => o.seq as number);
    await onA.next((f) => f.op === "msg" && f.seq === seqs[19]);
    await onB.next((f) => f.op === "msg" && f.seq === seqs[19]);
    expect(onA.seqs("room:x")).toEqual(seqs);
    expect(onB.seqs("room:x")).toEqual(seqs);
    const res = await fetch(`${a.httpUrl}/v1/publish`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ch: "room:x", data: "from backend" }),
    });
    const { seq } = (await res.json()) as { seq: number };
    expect(seq).toBe((seqs[19] as number) + 1);
    await onB.next((f) => f.op === "msg" && f.seq === seq && f.data === "from backend");
  });

  it("resumes on the other node from history with recovered:true", async () => {
    const first = await client(a);
    const sub = await first.subscribe("room:resume");
    const publisher = await client(a);
    for (let i = 1; i <= 3; i++) await publisher.publish("room:resume", i, `r-${i}`);
    await first.next((f) => f.op === "msg" && f.ch === "room:resume" && f.seq === 3);
    first.close();
    for (let i = 4; i <= 6; i++) await publisher.publish("room:resume", i, `r-${i}`);
    const again = await client(b);
    const resumed = await again.subscribe("room:resume", 3, sub.epoch as string);
    expect(resumed).toMatchObject({ seq: 6, epoch: sub.epoch, recovered: true });
    await again.next((f) => f.op === "msg" && f.seq === 6);
    expect(again.seqs("room:resume")).toEqual([4, 5, 6]);
    await publisher.publish("room:resume", 7, "r-7");
    await again.next((f) => f.op === "msg" && f.seq === 7);
    expect(again.seqs("room:resume")).toEqual([4, 5, 6, 7]);
  });

  it("publishes a retried id once across nodes; another publisher's same id is its own", async () => {
    const watcher = await client(a);
    await watcher.subscribe("room:dd");
    // The backend is one publisher whichever node it reaches: its retry is deduplicated.
    const post = async (node: HubProcess, data: string, id: string) => {
      const res = await fetch(`${node.httpUrl}/v1/publish`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ch: "room:dd", data, id }),
      });
      return (await res.json()) as { seq: number };
    };
    const first = await post(a, "once", "same-id");
    const retry = await post(b, "once", "same-id");
    expect(retry.seq).toBe(first.seq);
    // With auth off a WebSocket publisher is its connection: the backend's id is not its id.
    const p1 = await client(b);
    const own = await p1.publish("room:dd", "after", "same-id");
    expect(own).toMatchObject({ op: "ok", seq: first.seq + 1 });
    await watcher.next((f) => f.op === "msg" && f.data === "after");
    expect(watcher.seqs("room:dd")).toEqual([first.seq, first.seq + 1]);
  });

  it("a node cut from Redis is unready and refuses publishes; its subscribers get no gap after", async () => {
    const onB = await client(b);
    await onB.subscribe("room:cut");
    const pubA = await client(a);
    const pubB = await client(b);
    await pubA.publish("room:cut", 0, "c-0");
    proxy.addToxic("cut", { type: "timeout", timeout: 0 });
    try {
      await expect
        .poll(() => status(`${b.internalUrl}/readyz`), { timeout: 10_000, interval: 200 })
        .toBe(503);
      const refused = await pubB.publish("room:cut", "nope", "c-b");
      expect(refused).toMatchObject({ op: "error", code: "unavailable" });
      expect(await status(`${a.internalUrl}/readyz`)).toBe(200);
      for (let i = 1; i <= 10; i++)
        expect((await pubA.publish("room:cut", i, `c-${i}`)).op).toBe("ok");
    } finally {
      proxy.removeToxic("cut");
    }
    await expect
      .poll(() => status(`${b.internalUrl}/readyz`), { timeout: 20_000, interval: 200 })
      .toBe(200);
    await onB.next((f) => f.op === "msg" && f.ch === "room:cut" && f.data === 10, 20_000);
    const seqs = onB.seqs("room:cut");
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (seqs[0] as number) + i));
    const data = onB.frames.filter((f) => f.op === "msg" && f.ch === "room:cut").map((f) => f.data);
    for (let i = 0; i <= 10; i++) expect(data).toContain(i); // every acknowledged message
    // The refused publish was never acknowledged; whatever happened to it, B works again.
    const back = await pubB.publish("room:cut", "back", "c-back");
    expect(back, JSON.stringify(back)).toMatchObject({ op: "ok" });
  });
});
