// Connection-level limits of the HTTP side: the configured header and body timeouts hold, sockets
// not yet WebSockets are bounded, and an accept failure for lack of descriptors is logged and
// counted.
import { connect, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { createMetrics } from "../metrics.js";
import { watchServerErrors } from "./http-sockets.js";
import type { HubNode } from "./node.js";
import {
  httpUrl,
  metricValue,
  releaseAll,
  startHub,
  TestClient,
  waitFor,
  wsUrl,
} from "./testing/hub-harness.js";

const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await releaseAll();
});

/** A raw TCP socket to the node that writes `text` and then says nothing more. */
async function stalled(
  node: HubNode,
  text: string,
): Promise<{ socket: Socket; closed: () => boolean }> {
  const socket = connect(node.port, "127.0.0.1");
  sockets.push(socket);
  socket.on("error", () => {});
  let closed = false;
  socket.on("close", () => {
    closed = true;
  });
  socket.resume();
  // Not awaiting "connect": a socket refused at accept may close before it is reported.
  socket.write(text);
  await new Promise((r) => setTimeout(r, 50));
  return { socket, closed: () => closed };
}

describe("HTTP timeouts", () => {
  it("cuts a request whose headers never finish at HTTP_HEADERS_TIMEOUT_SECONDS, not 30 s later", async () => {
    const node = await startHub({
      HTTP_HEADERS_TIMEOUT_SECONDS: "1",
      HTTP_REQUEST_TIMEOUT_SECONDS: "2",
    });
    const slow = await stalled(node, "GET /livez HTTP/1.1\r\nHost: hub\r\nX-Slow: ");
    const started = Date.now();
    await waitFor("the slow-header socket to be cut", slow.closed, 4_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it("cuts a request that lies about its Content-Length at HTTP_REQUEST_TIMEOUT_SECONDS", async () => {
    const node = await startHub({
      HTTP_HEADERS_TIMEOUT_SECONDS: "1",
      HTTP_REQUEST_TIMEOUT_SECONDS: "2",
    });
    const liar = await stalled(
      node,
      "POST /v1/publish HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
    );
    await waitFor("the unfinished body to be cut", liar.closed, 5_000);
  });
});

describe("sockets not yet WebSockets", () => {
  it("refuses sockets past MAX_HTTP_SOCKETS at once, while WebSockets stay outside that bound", async () => {
    const node = await startHub({ MAX_HTTP_SOCKETS: "3" });
    // WebSockets do not hold a slot once upgraded.
    const clients = [];
    for (let i = 0; i < 4; i++) clients.push(await TestClient.connect(wsUrl(node)));
    expect(clients.every((c) => c.open)).toBe(true);
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await stalled(node, "GET /livez HTTP/1.1\r\n"));
    await waitFor(
      "three sockets held",
      async () => (await metricValue(node, "wshub_http_sockets_refused_total")) === 0 && true,
    );
    const extra = await stalled(node, "GET /livez HTTP/1.1\r\n");
    await waitFor("the fourth to be refused", extra.closed, 2_000);
    expect(await metricValue(node, "wshub_http_sockets_refused_total")).toBe(1);
    expect(held.some((h) => h.closed())).toBe(false);
    for (const h of held) h.socket.destroy();
    // The public port answers again (404 for a path it does not serve).
    await waitFor("requests answered again", async () => {
      const r = await fetch(httpUrl(node, "/nope"), { signal: AbortSignal.timeout(1_000) }).catch(
        () => undefined,
      );
      return r?.status === 404;
    });
  });
});

describe("accept failures", () => {
  it("logs and counts EMFILE on the listening server instead of dropping clients silently", async () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", nodeId: "n", version: "v" });
    const logged = log.child({});
    logged.error = ((obj: object, msg: string) => {
      lines.push(`${msg} ${JSON.stringify(obj)}`);
    }) as typeof logged.error;
    const metrics = createMetrics({ version: "v", node: "n" });
    const server = createServer();
    watchServerErrors(server, metrics, logged);
    const err = Object.assign(new Error("accept EMFILE"), { code: "EMFILE", syscall: "accept" });
    server.emit("error", err);
    server.emit("error", err);
    const { values } = await metrics.acceptErrors.get();
    expect(values.find((v) => v.labels.code === "EMFILE")?.value).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/out of file descriptors.*MAX_HTTP_SOCKETS/);
    metrics.stop();
  });
});
