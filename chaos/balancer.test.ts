import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type Backend, Balancer } from "./balancer.js";
import { sumMetric } from "./hub-container.js";
import { pollUntil } from "./scenario.js";

const PROBES = {
  probes: {
    startup: { periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 1 },
    readiness: { periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 1 },
    liveness: { periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 1 },
  },
};

/** A local server that answers /readyz per `ready` and writes its name to any other request. */
async function backend(name: string): Promise<Backend & { ready: boolean; server: Server }> {
  const state = { ready: true };
  const server = createServer((req, res) => {
    if (req.url === "/readyz") res.writeHead(state.ready ? 200 : 503).end();
    else res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return Object.assign(state, {
    name,
    port,
    server,
    isReady: async (timeoutMs: number) => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, {
        signal: AbortSignal.timeout(timeoutMs),
      }).catch(() => null);
      return res?.status === 200;
    },
  });
}

async function whoAnswers(balancer: Balancer): Promise<string> {
  const socket = connect(Number(new URL(balancer.url).port), "127.0.0.1");
  socket.on("error", () => {});
  socket.write("GET / HTTP/1.0\r\n\r\n");
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  await once(socket, "close");
  return Buffer.concat(chunks).toString().split("\r\n\r\n")[1] ?? "";
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Backends a and b behind a balancer, both in rotation; all closed after the test. */
async function balancedPair() {
  const a = await backend("a");
  const b = await backend("b");
  const balancer = await Balancer.start(PROBES);
  cleanups.push(
    async () => void a.server.close(),
    async () => void b.server.close(),
    () => balancer.close(),
  );
  balancer.add(a);
  balancer.add(b);
  expect(await pollUntil(() => balancer.readyNodes().length === 2, 3000)).toBe(true);
  return { a, b, balancer };
}

describe("Balancer", () => {
  it("sends new connections only to ready backends, round-robin", async () => {
    const { b, balancer } = await balancedPair();
    const seen = new Set([await whoAnswers(balancer), await whoAnswers(balancer)]);
    expect(seen).toEqual(new Set(["a", "b"]));

    b.ready = false;
    // Out of rotation after failureThreshold (2) failed probes, one period apart.
    expect(await pollUntil(() => balancer.readyNodes().join() === "a", 4000)).toBe(true);
    expect([await whoAnswers(balancer), await whoAnswers(balancer)]).toEqual(["a", "a"]);
    expect(balancer.openConnections).toBe(0);
  });

  it("connects to a backend's direct address when it has one, not its mapped port", async () => {
    const mapped = await backend("mapped port");
    const direct = await backend("direct address");
    const balancer = await Balancer.start(PROBES);
    cleanups.push(
      async () => void mapped.server.close(),
      async () => void direct.server.close(),
      () => balancer.close(),
    );
    balancer.add(
      Object.assign(mapped, { directAddress: () => ({ host: "127.0.0.1", port: direct.port }) }),
    );
    expect(await pollUntil(() => balancer.readyNodes().length === 1, 3000)).toBe(true);
    expect(await whoAnswers(balancer)).toBe("direct address");
  });

  it("resets the connections it still routes to a crashed node, as a dead pod's address does", async () => {
    const { b, balancer } = await balancedPair();
    // b still serves here: only the crash mark keeps its turns of the rotation from reaching it.
    balancer.crashed(b);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await whoAnswers(balancer));
    expect(answers.sort()).toEqual(["", "", "a", "a"]);
  });
});

describe("sumMetric", () => {
  it("sums a metric over its label sets and ignores metrics sharing the prefix", () => {
    const text = [
      "# HELP wshub_connections open sockets",
      "wshub_connections 7",
      'wshub_connects_total{node="a"} 3',
      'wshub_disconnects_total{reason="drain"} 2',
      'wshub_disconnects_total{reason="error"} 5',
    ].join("\n");
    expect(sumMetric(text, "wshub_connections")).toBe(7);
    expect(sumMetric(text, "wshub_disconnects_total")).toBe(7);
    expect(sumMetric(text, "wshub_missing")).toBeUndefined();
  });
});
