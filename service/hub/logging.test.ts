// Logs carry the node and connection ids and never a token, even at trace level.
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, expect, it } from "vitest";
import {
  mintToken,
  releaseAll,
  startHub,
  TEST_SECRET,
  TestClient,
  tryUpgrade,
  wsUrl,
} from "./testing/hub-harness.js";

afterEach(releaseAll);

it("never writes a token to the logs, at any level, on any path", async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: "trace", base: { node: "log-node" } }, sink);
  const node = await startHub(
    { AUTH_JWT_SECRET: TEST_SECRET, MAX_PAYLOAD_BYTES: "1024" },
    { logger },
  );
  const good = await mintToken({ sub: "alice", channels: ["room:*"] });
  const wrong = await mintToken({ sub: "alice" }, { secret: "some-other-secret-0123456789" });
  const expired = await mintToken({ sub: "alice" }, { expSeconds: -5 });
  const other = await mintToken({ sub: "mallory" });
  await tryUpgrade(node, `/v1/ws?token=${wrong}`);
  await tryUpgrade(node, "/v1/ws", { authorization: `Bearer ${expired}` });
  const c = await TestClient.connect(wsUrl(node, { token: good }));
  await c.subscribe("room:1");
  c.send({ op: "refresh", token: other });
  c.send({ op: "refresh", token: wrong });
  await c.next((f) => f.op === "error" && String(f.message).includes("invalid"), "refusal");
  // An oversized frame carrying a token: the server closes (and logs) without echoing it.
  c.send({ op: "refresh", token: good, pad: "x".repeat(1_024) });
  expect((await c.waitClosed()).code).toBe(1009);
  await node.stop();
  expect(lines.length).toBeGreaterThanOrEqual(4);
  const text = lines.join("");
  for (const token of [good, wrong, expired, other]) {
    // The signature part alone is enough to replay nothing, but the whole token must not appear.
    expect(text).not.toContain(token.split(".")[2]);
  }
  expect(text).toContain('"node":"log-node"');
  expect(text).toMatch(/"conn":"[0-9a-f]{16}"/);
});
