import { createServer } from "node:net";
import { expect, it } from "vitest";
import { freePorts } from "./free-port.js";

it("hands out distinct ports in one call, each free to bind once it returns", async () => {
  const ports = await freePorts(4);
  expect(new Set(ports).size).toBe(4);
  for (const port of ports) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    await new Promise((r) => server.close(r));
  }
});
