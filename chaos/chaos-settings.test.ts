import { describe, expect, it } from "vitest";
import { settingsFor } from "../contract/index.js";
import { chaosSettings, hubEnv } from "./chaos-settings.js";

describe("chaosSettings", () => {
  it("keeps every rollout, shutdown and limit number of the stack except the ones it lists", () => {
    for (const stack of ["dev", "prod"] as const) {
      const { settings, deployed, scaled } = chaosSettings(stack);
      expect(deployed).toEqual(settingsFor(stack));
      expect(settings.shutdown).toEqual(deployed.shutdown);
      expect(settings.resources).toEqual(deployed.resources);
      expect(settings.rollout.maxSurge).toBe(deployed.rollout.maxSurge);
      expect(settings.rollout.maxUnavailable).toBe(deployed.rollout.maxUnavailable);
      expect(settings.rollout.minReadySeconds).toBe(deployed.rollout.minReadySeconds);
      for (const s of scaled) expect(s.why.length).toBeGreaterThan(10);
      // Whatever differs in the env the hubs get is listed as scaled, with its reason.
      const env = hubEnv(settings);
      const deployedEnv = hubEnv(deployed);
      const changed = (Object.keys(env) as (keyof typeof env)[]).filter(
        (k) => env[k] !== deployedEnv[k],
      );
      expect(changed.sort()).toEqual(["HEARTBEAT_SECONDS", "MAX_CONNECTIONS_PER_IP"]);
      expect(scaled.map((s) => s.path)).toEqual(
        expect.arrayContaining(["hub.heartbeatSeconds", "hub.maxConnectionsPerIp"]),
      );
    }
  });

  it("fits the prod stack onto three hubs and a 30 s progress deadline", () => {
    const { settings } = chaosSettings("prod");
    expect(settings.replicas).toBe(3);
    expect(settings.rollout.progressDeadlineSeconds).toBe(30);
  });
});
