import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { SettingsError } from "../contract/index.js";
import { InfraConfigError, parseInfraConfig } from "./config.js";
import { REDIS_IMAGE } from "./images.js";

const minimal = {
  image: "ghcr.io/acme/wshub:1.2.3",
  vault: {},
  kubernetes: { context: "prod-cluster" },
};

describe("parseInfraConfig", () => {
  it("fills defaults and derives the app version from the image tag", () => {
    const c = parseInfraConfig("prod", minimal);
    expect(c).toMatchObject({
      stack: "prod",
      namespace: "wshub",
      appVersion: "1.2.3",
      vault: { mode: "agent", namespace: "vault", port: 8200, kvMount: "secret" },
      redis: { external: false, image: REDIS_IMAGE },
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

  it("runs Redis on a release with the Lua RCE fixes (7.2.11+, 7.4.6+ or 8.x)", () => {
    const tag = parseInfraConfig("prod", minimal).redis;
    if (tag.external) throw new Error("expected in-cluster Redis");
    const [major = 0, minor = 0, patch = 0] = (tag.image.split(":")[1] ?? "")
      .split(".")
      .map(Number);
    const fixed =
      major > 7 ||
      (major === 7 && minor === 4 && patch >= 6) ||
      (major === 7 && minor === 2 && patch >= 11);
    expect(fixed, tag.image).toBe(true);
  });

  it("refuses prod without an explicit cluster, with a typed error", () => {
    const { kubernetes: _k, ...noCluster } = minimal;
    const err = (() => {
      try {
        parseInfraConfig("prod", noCluster);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InfraConfigError);
    expect((err as InfraConfigError).code).toBe("KUBERNETES_PROVIDER_REQUIRED");
    expect((err as Error).message).toMatch(/kubernetes\.context/);
    expect(parseInfraConfig("dev", noCluster).kubernetes).toBeUndefined();
  });

  it("talks to Vault over TLS unless a dev stack asks for plain HTTP explicitly", () => {
    const http = { address: "http://vault.vault.svc:8200" };
    const code = (stack: string, vault: object) => {
      try {
        parseInfraConfig(stack, { ...minimal, vault });
        return "ok";
      } catch (e) {
        return (e as InfraConfigError).code;
      }
    };
    expect(parseInfraConfig("prod", minimal).vault).toMatchObject({
      address: "https://vault.vault.svc:8200",
      caSecretName: "wshub-vault-ca",
      plainHttp: false,
    });
    expect(code("dev", http)).toBe("VAULT_PLAIN_HTTP");
    expect(code("prod", { ...http, plainHttp: true })).toBe("VAULT_PLAIN_HTTP");
    expect(code("dev", { ...http, plainHttp: true })).toBe("ok");
  });

  it("needs a Gateway for an HTTPRoute and a Secret name for cert-manager", () => {
    const ingress = { host: "ws.example.com" };
    expect(() =>
      parseInfraConfig("prod", { ...minimal, ingress: { ...ingress, api: "gateway" } }),
    ).toThrow(/ingress\.gateway/);
    expect(() =>
      parseInfraConfig("prod", {
        ...minimal,
        ingress: { ...ingress, certManagerIssuer: { name: "letsencrypt" } },
      }),
    ).toThrow(/ingress\.tlsSecretName/);
  });
});
