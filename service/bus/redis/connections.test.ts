// The connection behaviour that decides how fast a hub follows a Sentinel failover, against a
// fake Sentinel and fake Redis servers on 127.0.0.1 speaking just enough RESP.
import { createServer, type Server, type Socket } from "node:net";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { pollFor } from "../../../testkit/poll.js";
import {
  CONNECT_TIMEOUT_MS,
  createRedisClient,
  quit,
  RECONNECT_CAP_MS,
  reconnectDelay,
} from "./connections.js";

// The fakes speak RESP2 only: refusing HELLO makes ioredis stay on it.
const HELLO_REFUSED = "-ERR unknown command 'HELLO'\r\n";
const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const array = (items: string[]) => `*${items.length}\r\n${items.map(bulk).join("")}`;

/** Reads RESP arrays of bulk strings (what clients send) off a socket. */
function onCommands(socket: Socket, handle: (args: string[]) => void): void {
  let buffer = "";
  socket.on("data", (chunk) => {
    buffer += chunk.toString("utf8");
    for (;;) {
      const lines = buffer.split("\r\n");
      if (!lines[0]?.startsWith("*")) return;
      const n = Number(lines[0].slice(1));
      if (lines.length < 1 + 2 * n + 1) return;
      const args = Array.from({ length: n }, (_, i) => lines[2 + 2 * i]!);
      buffer = lines.slice(1 + 2 * n).join("\r\n");
      handle(args);
    }
  });
}

interface Fake {
  server: Server;
  port: number;
  sockets: Set<Socket>;
}

async function listen(onSocket: (socket: Socket) => void): Promise<Fake> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onSocket(socket);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return { server, port: address.port, sockets };
}

/** A primary that answers every command; counts its connections. */
async function fakeRedis(): Promise<Fake & { connections: () => number }> {
  let connections = 0;
  const fake = await listen((socket) => {
    connections += 1;
    onCommands(socket, (args) => {
      const cmd = args[0]?.toLowerCase();
      if (cmd === "hello") socket.write(HELLO_REFUSED);
      else if (cmd === "info") socket.write(bulk("# Replication\r\nrole:master\r\nloading:0\r\n"));
      else if (cmd === "ping") socket.write("+PONG\r\n");
      else socket.write("+OK\r\n");
    });
  });
  return { ...fake, connections: () => connections };
}

/** A Sentinel that names `primary.port` and can announce a switch to its subscribers. */
async function fakeSentinel(primary: { port: number }) {
  const subscribers = new Set<Socket>();
  const fake = await listen((socket) => {
    onCommands(socket, (args) => {
      const cmd = args.map((a) => a.toLowerCase());
      if (cmd[0] === "hello") socket.write(HELLO_REFUSED);
      else if (cmd[0] === "sentinel" && cmd[1] === "get-master-addr-by-name")
        socket.write(array(["127.0.0.1", String(primary.port)]));
      else if (cmd[0] === "sentinel") socket.write("*0\r\n");
      else if (cmd[0] === "subscribe") {
        subscribers.add(socket);
        socket.on("close", () => subscribers.delete(socket));
        socket.write(`*3\r\n${bulk("subscribe")}${bulk(args[1]!)}:1\r\n`);
      } else socket.write("+OK\r\n");
    });
  });
  return {
    ...fake,
    subscribers: () => subscribers.size,
    /** Names `to` from now on and publishes +switch-master as Sentinel does after a failover. */
    switchTo(to: { port: number }, from: { port: number }) {
      primary = to;
      const payload = `mymaster 127.0.0.1 ${from.port} 127.0.0.1 ${to.port}`;
      for (const s of subscribers)
        s.write(`*3\r\n${bulk("message")}${bulk("+switch-master")}${bulk(payload)}`);
    },
  };
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function close(fake: Fake): () => Promise<void> {
  return () =>
    new Promise<void>((r) => {
      for (const s of fake.sockets) s.destroy();
      fake.server.close(() => r());
    });
}

describe("createRedisClient in Sentinel mode", () => {
  it("leaves the old primary for the new one as soon as a Sentinel announces +switch-master", async () => {
    const a = await fakeRedis();
    const b = await fakeRedis();
    const sentinel = await fakeSentinel(a);
    cleanup.push(close(a), close(b), close(sentinel));
    let stopped = false;
    const client: Redis = createRedisClient(
      {
        sentinels: [{ host: "127.0.0.1", port: sentinel.port }],
        sentinelName: "mymaster",
        nodeId: "n1",
      },
      "cmd",
      () => stopped,
      { enableReadyCheck: false },
    );
    client.on("error", () => {});
    cleanup.push(async () => {
      stopped = true;
      await quit(client);
    });
    await client.connect();
    expect(a.connections()).toBe(1);
    // The old primary stays reachable (demoted, or behind a partition that healed): nothing but
    // the announcement tells the client to move.
    expect(await pollFor(() => sentinel.subscribers() > 0, { timeoutMs: 3000 })).toBe(true);
    sentinel.switchTo(b, a);
    const moved = await pollFor(() => b.connections() > 0 && client.status === "ready", {
      timeoutMs: 3000,
    });
    expect(moved, "the client never connected to the new primary").toBe(true);

    // Slower Sentinels repeat the news: a client already on the new primary stays there.
    sentinel.switchTo(b, a);
    sentinel.switchTo(b, a);
    // A later, real switch back shows the repeats were handled (messages arrive in order).
    sentinel.switchTo(a, b);
    expect(await pollFor(() => a.connections() > 1, { timeoutMs: 3000 })).toBe(true);
    expect(b.connections(), "a repeated announcement dropped a good connection").toBe(1);
  });
});

describe("reconnect timing", () => {
  it("gives up a connect attempt within a second and never pauses more than half a second", () => {
    expect(CONNECT_TIMEOUT_MS).toBeLessThanOrEqual(1000);
    const delays = Array.from({ length: 30 }, (_, i) => reconnectDelay(i + 1, () => 0.999));
    expect(Math.max(...delays)).toBeLessThan(RECONNECT_CAP_MS + 50);
    expect(RECONNECT_CAP_MS).toBeLessThanOrEqual(500);
    // Backs off: the first attempts are quicker than the cap.
    expect(reconnectDelay(1, () => 0)).toBe(100);
    expect(reconnectDelay(2, () => 0)).toBe(200);
  });

  it("uses both on the client it creates", () => {
    const client = createRedisClient(
      { url: "redis://127.0.0.1:1", nodeId: "n1" },
      "cmd",
      () => false,
      {},
    );
    expect(client.options.connectTimeout).toBe(CONNECT_TIMEOUT_MS);
    expect(client.options.retryStrategy?.(40)).toBeLessThan(RECONNECT_CAP_MS + 50);
    client.disconnect();
  });
});
