// Every launcher of the test kit gives the same RunningHub: WebSockets and publishing on the
// public URL, probes and metrics on the internal one, and stop() that releases both ports.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ensureHubBuilt, startHubProcess } from "../../loadtests/harness/hub-process.js";
import type { RunningHub } from "../../testkit/running-hub.js";
import { startInProcessHub } from "../hub/testing/hub-harness.js";

beforeAll(() => ensureHubBuilt(), 180_000);

const LAUNCHERS: Record<string, () => Promise<RunningHub>> = {
  "in-process": () => startInProcessHub({ NODE_ID: "kit-in-process" }),
  "child-process": () => startHubProcess({ nodeId: "kit-child" }),
};

async function status(url: string): Promise<number> {
  return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status;
}

for (const [kind, launch] of Object.entries(LAUNCHERS)) {
  describe(`a ${kind} hub`, () => {
    let hub: RunningHub;
    beforeAll(async () => {
      hub = await launch();
    }, 60_000);
    afterAll(async () => {
      await hub?.stop();
    });

    it("serves probes and metrics on its internal URL only", async () => {
      expect(await status(`${hub.internalUrl}/readyz`)).toBe(200);
      expect(await status(`${hub.internalUrl}/metrics`)).toBe(200);
      expect(await status(`${hub.httpUrl}/readyz`)).toBe(404);
    });

    it("upgrades on its WebSocket URL and says hello", async () => {
      const ws = new WebSocket(hub.wsUrl);
      const hello = await new Promise<{ op: string }>((resolve, reject) => {
        ws.once("message", (d) => resolve(JSON.parse(String(d)) as { op: string }));
        ws.once("error", reject);
      });
      ws.close();
      expect(hello.op).toBe("hello");
    });

    it("releases both ports when stopped", async () => {
      await hub.stop();
      await expect(status(`${hub.internalUrl}/livez`)).rejects.toThrow();
      await expect(status(`${hub.httpUrl}/v1/publish`)).rejects.toThrow();
    });
  });
}
