// Each stack's namespaces: validated with the hub's own schema, rendered as the hub's NAMESPACES.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hubEnv, SettingsError, STACKS, settingsFor } from "../contract/index.js";
import { loadConfig } from "../service/config.js";

describe("hub.namespaces", () => {
  it("renders each stack file's namespaces as a NAMESPACES the hub accepts", () => {
    for (const stack of STACKS) {
      const file = parse(readFileSync(new URL(`./Pulumi.${stack}.yaml`, import.meta.url), "utf8"));
      const s = settingsFor(stack, file.config["wshub:settings"]);
      const env = hubEnv(s);
      expect(JSON.parse(env.NAMESPACES as string)).toEqual(s.hub.namespaces);
      expect(s.hub.namespaces.chat).toMatchObject({ presence: true, joinLeave: true });
      const config = loadConfig({ ...env, REDIS_URL: "redis://redis:6379" });
      expect(config.channels.of("chat:1")).toMatchObject({ presence: true, joinLeave: true });
      expect(config.channels.of("feed:1").clientPublish).toBe(false);
      expect(config.presenceHeartbeatMs).toBe(s.hub.presenceHeartbeatSeconds * 1000);
    }
  });

  it("refuses a bad namespace naming the namespace and the option", () => {
    const bad = (namespaces: unknown) => {
      try {
        settingsFor("dev", { hub: { namespaces } });
      } catch (err) {
        expect(err).toBeInstanceOf(SettingsError);
        return (err as Error).message;
      }
      throw new Error("expected a SettingsError");
    };
    expect(bad({ chat: { joinLeave: true } })).toMatch(/namespace "chat", option "joinLeave"/);
    expect(bad({ chat: { presense: true } })).toMatch(/presense/);
    expect(bad({ "a:b": {} })).toMatch(/namespace "a:b" is not a channel prefix/);
  });
});
