// The environment infra renders for each stack is one the hub accepts, and the bound the pod
// limit was checked against is the bound of the hub as it then runs.
import { describe, expect, it } from "vitest";
import { hubEnv, memoryBoundBytes, STACKS, settingsFor } from "../contract/index.js";
import { loadConfig } from "./config.js";

describe("each stack's hub environment", () => {
  it.each(STACKS)("%s: loads, and its memory bound fits the pod limit", (stack) => {
    const settings = settingsFor(stack);
    // Redis and auth come from the stack's wiring (infra/components/hub.ts), not its numbers.
    const wiring = { REDIS_URL: "redis://redis:6379", AUTH_DISABLED: "true" };
    const config = loadConfig({ ...hubEnv(settings), ...wiring });
    expect(config.maxConnections).toBe(settings.hub.maxConnections);
    expect(config.maxConnectionBytes).toBe(settings.hub.maxConnectionBytes);
    expect(config.maxHttpSockets).toBe(settings.hub.maxHttpSockets);
    expect(config.maxChannels).toBe(settings.hub.maxChannels);
    expect(memoryBoundBytes(config)).toBeLessThanOrEqual(
      settings.resources.limits.memoryMiB * 1024 * 1024,
    );
  });
});
