// A `sub` with `since`+`epoch` replays what was missed, then continues live with no gap or duplicate.
import { afterEach, describe, expect, it } from "vitest";
import type { HubNode } from "./node.js";
import { releaseAll, startHub, TestClient, waitFor, wsUrl } from "./testing/hub-harness.js";

afterEach(releaseAll);

/** Publishes `count` messages with ids and waits for every ok; returns the channel's epoch. */
async function publish(node: HubNode, ch: string, count: number): Promise<string> {
  const p = await TestClient.connect(wsUrl(node));
  const { epoch } = await p.subscribe(ch);
  const base = p.where("ok").length;
  for (let i = 0; i < count; i++)
    p.send({ op: "pub", ch, data: { i }, id: `${ch}-${Date.now()}-${i}` });
  await waitFor(`${count} oks`, () => p.where("ok").length === base + count);
  p.ws.close();
  return String(epoch);
}

describe("resume with since and epoch", () => {
  it("replays exactly seq > since, then continues live, and says recovered:true", async () => {
    const node = await startHub();
    const epoch = await publish(node, "room:1", 5);
    const c = await TestClient.connect(wsUrl(node));
    expect(await c.subscribe("room:1", { since: 2, epoch })).toEqual({
      op: "subscribed",
      ch: "room:1",
      seq: 5,
      epoch,
      recovered: true,
    });
    await waitFor("the replay", () => c.where("msg").length === 3);
    await publish(node, "room:1", 2);
    await waitFor("the live messages", () => c.where("msg").length === 5);
    expect(c.where("msg").map((f) => f.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(c.where("msg")[0]).toMatchObject({ data: { i: 2 } });
    // The replay follows the `subscribed` frame.
    const subAt = c.frames.findIndex((f) => f.op === "subscribed");
    expect(c.frames.findIndex((f) => f.op === "msg")).toBeGreaterThan(subAt);
  });

  it("replays nothing with since equal to the latest seq and still recovers", async () => {
    const node = await startHub();
    const epoch = await publish(node, "room:1", 3);
    const c = await TestClient.connect(wsUrl(node));
    expect(await c.subscribe("room:1", { since: 3, epoch })).toMatchObject({ recovered: true });
    await publish(node, "room:1", 1);
    await waitFor("the live message", () => c.where("msg").length === 1);
    expect(c.where("msg")[0]?.seq).toBe(4);
  });

  it("says recovered:false and replays nothing when the epoch is not the channel's", async () => {
    const node = await startHub();
    const epoch = await publish(node, "room:1", 4);
    const c = await TestClient.connect(wsUrl(node));
    expect(await c.subscribe("room:1", { since: 1, epoch: "e-from-another-life" })).toEqual({
      op: "subscribed",
      ch: "room:1",
      seq: 4,
      epoch,
      recovered: false,
    });
    await publish(node, "room:1", 1);
    await waitFor("the live message", () => c.where("msg").length > 0);
    expect(c.where("msg").map((f) => f.seq)).toEqual([5]);
  });

  it("says recovered:false when since is older than HISTORY_SIZE keeps", async () => {
    const node = await startHub({ HISTORY_SIZE: "3" });
    const epoch = await publish(node, "room:1", 6);
    const old = await TestClient.connect(wsUrl(node));
    expect(await old.subscribe("room:1", { since: 1, epoch })).toMatchObject({
      seq: 6,
      recovered: false,
    });
    // Just inside the window: everything after since 3 is still held.
    const recent = await TestClient.connect(wsUrl(node));
    expect(await recent.subscribe("room:1", { since: 3, epoch })).toMatchObject({
      recovered: true,
    });
    await waitFor("the replay", () => recent.where("msg").length === 3);
    await publish(node, "room:1", 1);
    await waitFor("the live message", () => old.where("msg").length > 0);
    expect(old.where("msg").map((f) => f.seq)).toEqual([7]);
    await waitFor("the live message", () => recent.where("msg").length === 4);
    expect(recent.where("msg").map((f) => f.seq)).toEqual([4, 5, 6, 7]);
  });
});
