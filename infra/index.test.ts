import { describe, expect, it } from "vitest";
import { runUnderMocks } from "./mock-runtime.js";
import { stackConfig } from "./render.js";

describe("Pulumi entry (index.ts)", () => {
  it("reads the stack config and creates the stack when Pulumi loads it", async () => {
    const { config, secretKeys } = await stackConfig("dev");
    let exported: Record<string, unknown> = {};
    const run = await runUnderMocks("dev", config, secretKeys, async () => {
      exported = await import("./index.js");
    });
    const names = run.registered.map((r) => `${r.type}/${r.name}`);
    expect(names).toContain("kubernetes:apps/v1:Deployment/hub-deployment");
    expect(names).toContain("vault:index/policy:Policy/vault-hub-policy");
    expect(Object.keys(exported).sort()).toEqual(["hubService", "namespace", "vaultPaths"]);
    expect(exported.vaultPaths).toEqual({ redis: "wshub/dev/redis", auth: "wshub/dev/auth" });
  });
});
