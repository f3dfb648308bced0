// Channel tokens on `sub`: a private channel outside the connection token's patterns, for the
// token's user and channel only, until the token expires.
import { afterEach, describe, expect, it } from "vitest";
import {
  httpUrl,
  mintToken,
  releaseAll,
  startHub,
  TEST_SECRET,
  TestClient,
  waitFor,
  wsUrl,
} from "./testing/hub-harness.js";

afterEach(releaseAll);

async function setup() {
  const node = await startHub({ AUTH_JWT_SECRET: TEST_SECRET });
  const token = await mintToken({ sub: "alice", channels: ["room:*"] });
  const client = await TestClient.connect(wsUrl(node), { token });
  return { node, client };
}

function publish(node: Awaited<ReturnType<typeof setup>>["node"], ch: string, data: unknown) {
  return fetch(httpUrl(node, "/v1/publish"), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ch, data }),
  });
}

describe("channel tokens", () => {
  it("opens a private channel the connection token does not allow, and delivers on it", async () => {
    const { node, client } = await setup();
    client.send({ op: "sub", ch: "private:alice-bob", id: "plain" });
    expect(await client.next((f) => f.id === "plain", "the refusal")).toMatchObject({
      op: "error",
      code: "forbidden",
    });
    const token = await mintToken({ sub: "alice", channel: "private:alice-bob" });
    const ok = await client.subscribe("private:alice-bob", { token, id: "with-token" });
    expect(ok).toMatchObject({ seq: 0, id: "with-token" });
    await publish(node, "private:alice-bob", "hi");
    await client.next(
      (f) => f.op === "msg" && f.ch === "private:alice-bob" && f.data === "hi",
      "the message",
    );
  });

  it("refuses a token of another user, another channel, an expired one, a bad one, with typed codes", async () => {
    const { client } = await setup();
    const ch = "private:x";
    const cases: [string, string][] = [
      [await mintToken({ sub: "mallory", channel: ch }), "channel_token_wrong_user"],
      [await mintToken({ sub: "alice", channel: "private:y" }), "channel_token_wrong_channel"],
      [
        await mintToken({ sub: "alice", channel: ch }, { expSeconds: -10 }),
        "channel_token_expired",
      ],
      [
        await mintToken(
          { sub: "alice", channel: ch },
          { secret: "another-secret-0123456789abcdefgh" },
        ),
        "channel_token_invalid",
      ],
      // A connection token is no channel token, even one whose patterns match.
      [await mintToken({ sub: "alice", channels: ["private:*"] }), "channel_token_invalid"],
    ];
    for (const [i, [token, code]] of cases.entries()) {
      client.send({ op: "sub", ch, token, id: `t${i}` });
      const err = await client.next((f) => f.id === `t${i}`, `answer ${i}`);
      expect(err, code).toMatchObject({ op: "error", code, ch, retryable: false });
    }
    expect(client.where("subscribed", ch)).toEqual([]);
  });

  it("ends the subscription when the channel token expires, with channel_token_expired", async () => {
    const { node, client } = await setup();
    const token = await mintToken({ sub: "alice", channel: "private:brief" }, { expSeconds: 1 });
    await client.subscribe("private:brief", { token });
    const ended = await waitFor(
      "the expiry notice",
      () => client.frames.find((f) => f.op === "error" && f.ch === "private:brief"),
      5_000,
    );
    expect(ended).toMatchObject({ code: "channel_token_expired" });
    // The connection stays open and its token's channels keep working; the private one is left.
    await client.subscribe("room:ping");
    await publish(node, "private:brief", "after");
    await publish(node, "room:ping", "x");
    await client.next((f) => f.op === "msg" && f.ch === "room:ping", "the message on room:ping");
    expect(client.open).toBe(true);
    expect(client.where("msg", "private:brief")).toEqual([]);
  });

  it("refuses a token that is not a string with bad_request", async () => {
    const { client } = await setup();
    client.send({ op: "sub", ch: "private:z", token: 5, id: "n" });
    expect(await client.next((f) => f.id === "n", "the refusal")).toMatchObject({
      code: "bad_request",
      ch: "private:z",
    });
  });

  it("keeps a channel held by its channel token when a refresh narrows the connection token", async () => {
    const { client } = await setup();
    await client.subscribe("private:kept", {
      token: await mintToken({ sub: "alice", channel: "private:kept" }),
    });
    await client.subscribe("room:dropped");
    client.send({
      op: "refresh",
      token: await mintToken({ sub: "alice", channels: ["other:*"] }),
      id: "r",
    });
    await client.next((f) => f.op === "refreshed", "refreshed");
    await client.next((f) => f.op === "error" && f.ch === "room:dropped", "room:dropped left");
    expect(client.frames.filter((f) => f.op === "error" && f.ch === "private:kept")).toEqual([]);
  });
});
