// A node that takes over a dead node's clients gets them all at once. The kernel completes
// handshakes into the listen backlog even while the process is busy; past the backlog it drops
// them and the clients' TCP retries a second later. Checked with the hub process stopped.
import { connect, type Socket } from "node:net";
import { afterEach, beforeAll, expect, it } from "vitest";
import {
  ensureHubBuilt,
  type HubProcess,
  startHubProcess,
} from "../../loadtests/harness/hub-process.js";
import { pollUntil } from "../../testkit/poll.js";

const ARRIVALS = 800;
const running: HubProcess[] = [];
const sockets: Socket[] = [];

beforeAll(() => ensureHubBuilt(), 180_000);
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const hub of running) hub.process.child.kill("SIGCONT");
  await Promise.all(running.splice(0).map((h) => h.process.stop(2_000)));
});

it("queues a crowd of connections arriving while the node is busy, up to MAX_CONNECTIONS", async () => {
  const hub = await startHubProcess({ nodeId: "backlog", env: { MAX_CONNECTIONS: "2000" } });
  running.push(hub);
  hub.process.child.kill("SIGSTOP");
  let established = 0;
  for (let i = 0; i < ARRIVALS; i++) {
    const s = connect({ host: "127.0.0.1", port: hub.port });
    s.on("connect", () => established++);
    s.on("error", () => {});
    sockets.push(s);
  }
  // Handshakes the kernel completed for the stopped process: all of them, not Node's 511.
  await pollUntil(() => established === ARRIVALS, 3_000);
  expect(established).toBe(ARRIVALS);
}, 30_000);
