import { createServer } from "node:net";
import { pino } from "pino";
import { expect, it } from "vitest";
import { MemoryBroker } from "../bus/index.js";
import { loadConfig } from "../config.js";
import { HubNode } from "./node.js";

it("a node that cannot listen rejects and releases its broker", async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const port = (taken.address() as { port: number }).port;
  const broker = new MemoryBroker({ historySize: 10, historyTtlSeconds: 60, dedupeSeconds: 60 });
  const node = new HubNode(loadConfig({ PORT: String(port), HOST: "127.0.0.1" }), {
    broker,
    logger: pino({ level: "silent" }),
  });
  try {
    await expect(node.start()).rejects.toThrow(/EADDRINUSE/);
    expect(broker.status()).toEqual({ up: false, reason: "stopped" });
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
