import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { InfraConfigError, parseInfraConfig } from "./config.js";
import { SettingsError } from "./settings.js";

const minimal = { image: "ghcr.io/acme/wshub:1.2.3", vault: {} };

describe("parseInfraConfig", () => {
  it("fills defaults and derives the app version from the image tag", () => {
    const c = parseInfraConfig("prod", minimal);
    expect(c).toMatchObject({
      stack: "prod",
      namespace: "wshub",
      appVersion: "1.2.3",
      vault: { mode: "agent", namespace: "vault", port: 8200, kvMount: "secret" },
      redis: { external: false, image: "redis:7.2.5" },
    });
    expect(c.settings.replicas).toBe(6);
  });

  it.each([
    ["ghcr.io/acme/wshub:latest", /latest/],
    ["ghcr.io/acme/wshub", /pinned tag or digest/],
    ["localhost:5000/wshub", /pinned tag or digest/],
  ])("refuses the unpinned image %s", (image, message) => {
    expect(() => parseInfraConfig("prod", { ...minimal, image })).toThrow(message);
  });

  it("accepts a digest and a registry with a port", () => {
    const digest = `ghcr.io/acme/wshub@sha256:${"a".repeat(64)}`;
    expect(parseInfraConfig("prod", { ...minimal, image: digest }).appVersion).toBe("a".repeat(12));
    expect(
      parseInfraConfig("prod", { ...minimal, image: "localhost:5000/wshub:2.0.0" }).appVersion,
    ).toBe("2.0.0");
  });

  it("names the key of a bad value and refuses unknown nested keys", () => {
    expect(() => parseInfraConfig("prod", { ...minimal, vault: { mode: "sidecar" } })).toThrow(
      /wshub:vault\.mode/,
    );
    expect(() => parseInfraConfig("prod", { ...minimal, ingress: { hots: "x" } })).toThrow(
      InfraConfigError,
    );
    expect(() => parseInfraConfig("prod", { ...minimal, namespace: "Bad_Name" })).toThrow(
      /wshub:namespace/,
    );
  });

  it("refuses Vault both in the cluster and at a CIDR", () => {
    expect(() =>
      parseInfraConfig("prod", { ...minimal, vault: { namespace: "vault", cidr: "10.0.0.0/24" } }),
    ).toThrow(/not both/);
  });

  it("needs url, egress CIDR and the secret for an external Redis, and refuses credentials in the URL", () => {
    const redis = {
      external: true,
      url: "rediss://redis.example.com:6380",
      egressCidr: "10.1.0.0/16",
    };
    expect(() => parseInfraConfig("prod", { ...minimal, redis })).toThrow(/redisPassword/);
    const c = parseInfraConfig(
      "prod",
      { ...minimal, redis },
      { redisPassword: () => pulumi.secret("pw") },
    );
    expect(c.redis).toMatchObject({ external: true, url: redis.url, egressCidr: "10.1.0.0/16" });
    expect(() =>
      parseInfraConfig("prod", { ...minimal, redis: { ...redis, url: "redis://:pw@host:6379" } }),
    ).toThrow(/without credentials/);
  });

  it("passes settings overrides through the settings validation", () => {
    expect(
      parseInfraConfig("prod", { ...minimal, settings: { replicas: 8 } }).settings.replicas,
    ).toBe(8);
    expect(() =>
      parseInfraConfig("prod", { ...minimal, settings: { shutdown: { drainSeconds: 60 } } }),
    ).toThrow(SettingsError);
  });

  it("refuses an unknown stack", () => {
    expect(() => parseInfraConfig("qa", minimal)).toThrow(/unknown stack "qa"/);
  });
});
