// The SDK's channel tokens against a real hub node: a fixed token, a token function renewed when
// the hub says the last one expired, and the typed failures.
import { afterEach, describe, expect, it } from "vitest";
import {
  httpUrl,
  mintToken,
  releaseAll,
  startHub,
  TEST_SECRET,
  waitFor,
  wsUrl,
} from "../hub/testing/hub-harness.js";
import type { HubClient } from "./client.js";
import type { MessageEvent } from "./client-events.js";
import { createNodeClient } from "./node.js";

const API_KEY = "sdk-channel-token-key-0123456789";
const clients: HubClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await releaseAll();
});

async function setup(options: { getChannelToken?: (ch: string) => string | Promise<string> } = {}) {
  const node = await startHub({ AUTH_JWT_SECRET: TEST_SECRET, API_KEY });
  const token = await mintToken({ sub: "alice", channels: ["room:*"] });
  const client = createNodeClient({
    urls: wsUrl(node),
    token,
    backoff: { initialMs: 10, maxMs: 50 },
    ...options,
  });
  clients.push(client);
  const messages: MessageEvent[] = [];
  const errors: string[] = [];
  client.on("message", (m) => messages.push(m));
  client.on("error", (e) => errors.push(e.code));
  await client.connect();
  const post = (path: string, body: unknown) =>
    fetch(httpUrl(node, path), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify(body),
    });
  return { node, client, messages, errors, post };
}

describe("SDK channel tokens", () => {
  it("subscribes with a fixed token and keeps it across a reconnect", async () => {
    const { client, messages, post } = await setup();
    const token = await mintToken({ sub: "alice", channel: "private:a" });
    await expect(client.subscribe("private:a", { token })).resolves.toMatchObject({
      ch: "private:a",
    });
    await post("/v1/publish", { ch: "private:a", data: 1 });
    await waitFor("the first message", () => messages.length === 1);
    // The server closes the connection (4001: reconnect allowed); the SDK resubscribes with the token.
    const reconnected = new Promise<void>((resolve) => client.once("subscribed", () => resolve()));
    await post("/v1/users/alice/disconnect", { code: 4001 });
    await reconnected;
    await post("/v1/publish", { ch: "private:a", data: 2 });
    await waitFor("the message after the reconnect", () => messages.length === 2);
    expect(messages.map((m) => m.data)).toEqual([1, 2]);
  });

  it("renews a token through getChannelToken when the hub says it expired, missing nothing", async () => {
    const asked: string[] = [];
    const { client, messages, errors, post } = await setup({
      getChannelToken: async (ch) => {
        asked.push(ch);
        // The first token lives one second; the next ones five minutes.
        return mintToken(
          { sub: "alice", channel: ch },
          { expSeconds: asked.length === 1 ? 1 : 300 },
        );
      },
    });
    let subscribed = 0;
    client.on("subscribed", () => subscribed++);
    await client.subscribe("private:renew");
    await post("/v1/publish", { ch: "private:renew", data: "before" });
    await waitFor("the renewal", () => asked.length === 2, 5_000);
    await waitFor("the resubscribe with the new token", () => subscribed === 2, 5_000);
    await post("/v1/publish", { ch: "private:renew", data: "after" });
    await waitFor("both messages", () => messages.length === 2, 5_000);
    expect(messages.map((m) => [m.seq, m.data])).toEqual([
      [1, "before"],
      [2, "after"],
    ]);
    expect(asked).toEqual(["private:renew", "private:renew"]);
    expect(errors).toEqual([]);
  });

  it("rejects subscribe with the hub's typed code for a token of another user", async () => {
    const { client } = await setup();
    const token = await mintToken({ sub: "mallory", channel: "private:b" });
    await expect(client.subscribe("private:b", { token })).rejects.toMatchObject({
      code: "channel_token_wrong_user",
      ch: "private:b",
    });
  });

  it("rejects subscribe with channel_token_failed when getChannelToken fails", async () => {
    const { client } = await setup({
      getChannelToken: async () => {
        throw new Error("auth service down");
      },
    });
    await expect(client.subscribe("private:c")).rejects.toMatchObject({
      code: "channel_token_failed",
    });
    await expect(client.subscribe("private:c")).rejects.toThrow(/auth service down/);
  });
});
