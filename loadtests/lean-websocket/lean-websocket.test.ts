import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { LeanSocketError, LeanWebSocket } from "./lean-websocket.js";

let server: WebSocketServer;
let url: string;
const serverSockets: WebSocket[] = [];
const clients: LeanWebSocket[] = [];

function waitFor<T>(what: string, check: () => T | undefined, ms = 3_000): Promise<T> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = () => {
      const value = check();
      if (value !== undefined) return resolve(value);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 5);
    };
    poll();
  });
}

async function open(options: Parameters<typeof LeanWebSocket.connect>[1] = {}) {
  const client = await LeanWebSocket.connect(url, options);
  clients.push(client);
  return client;
}

beforeEach(async () => {
  server = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    verifyClient: (info, done) =>
      info.req.headers.authorization === "Bearer bad" ? done(false, 401) : done(true),
  });
  server.on("connection", (ws) => {
    serverSockets.push(ws);
    ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await new Promise((resolve) => server.once("listening", resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/ws`;
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  serverSockets.length = 0;
  await new Promise((resolve) => server.close(resolve));
});

describe("LeanWebSocket against a ws server", () => {
  it("sends masked text that the server accepts and decodes the echo", async () => {
    const got: string[] = [];
    const client = await open({ onMessage: (p) => got.push(Buffer.from(p).toString()) });
    expect(client.connectMs).toBeGreaterThan(0);
    client.send('{"op":"sub","ch":"a"}');
    client.send("x".repeat(70_000));
    await waitFor("two echoes", () => (got.length === 2 ? true : undefined));
    expect(got[0]).toBe('{"op":"sub","ch":"a"}');
    expect(got[1]?.length).toBe(70_000);
  });

  it("reassembles a message the server sends in fragments", async () => {
    const got: string[] = [];
    await open({ onMessage: (p) => got.push(Buffer.from(p).toString()) });
    const peer = await waitFor("server socket", () => serverSockets[0]);
    peer.send("frag", { fin: false });
    peer.send("mented", { fin: true });
    await waitFor("message", () => got[0]);
    expect(got).toEqual(["fragmented"]);
  });

  it("answers a server ping with a pong carrying the same payload", async () => {
    await open();
    const peer = await waitFor("server socket", () => serverSockets[0]);
    const pong = new Promise<string>((resolve) => peer.once("pong", (d) => resolve(d.toString())));
    peer.ping("are-you-there");
    expect(await pong).toBe("are-you-there");
  });

  it("reports the server's close code and reason once", async () => {
    const closes: Array<[number, string]> = [];
    await open({ onClose: (code, reason) => closes.push([code, reason]) });
    const peer = await waitFor("server socket", () => serverSockets[0]);
    peer.close(1001, '{"retryAfterMs":10}');
    await waitFor("close", () => closes[0]);
    expect(closes).toEqual([[1001, '{"retryAfterMs":10}']]);
  });

  it("closes with a code the server receives, and reports 1006 for a dropped connection", async () => {
    const client = await open();
    const peer = await waitFor("server socket", () => serverSockets[0]);
    const code = new Promise<number>((resolve) => peer.once("close", (c) => resolve(c)));
    client.close(4001, "done");
    expect(await code).toBe(4001);
    await client.closed();
    expect(client.open).toBe(false);

    const closes: number[] = [];
    await open({ onClose: (c) => closes.push(c) });
    const second = await waitFor("second server socket", () => serverSockets[1]);
    second.terminate();
    await waitFor("abnormal close", () => closes[0]);
    expect(closes).toEqual([1006]);
  });

  it("rejects with the HTTP status when the server refuses the upgrade", async () => {
    const error = await open({ headers: { Authorization: "Bearer bad" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeanSocketError);
    expect((error as LeanSocketError).status).toBe(401);
  });

  it("rejects when nothing listens", async () => {
    const dead = url.replace(/:\d+\//, ":1/");
    await expect(LeanWebSocket.connect(dead, { timeoutMs: 2_000 })).rejects.toMatchObject({
      code: "network",
    });
  });
});
