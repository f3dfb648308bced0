import { describe, expect, it } from "vitest";
import { type Json, only, renderComponents } from "../testing/components.js";
import type { VaultSecretsArgs } from "./vault-secrets.js";

const baseArgs: VaultSecretsArgs = {
  stack: "prod",
  namespace: "wshub",
  mode: "agent",
  address: "https://vault.vault.svc:8200",
  kvMount: "secret",
  authMount: "kubernetes",
  hubServiceAccount: "wshub-hub",
  redisServiceAccount: "wshub-redis",
  redisPasswordGeneration: 1,
  redisReadsOnce: false,
  tls: { caSecretName: "wshub-vault-ca" },
  audience: "vault",
};

async function renderVault(args: Partial<VaultSecretsArgs> = {}) {
  let wiring: Json = {};
  const r = await renderComponents(async () => {
    const { VaultSecrets } = await import("./vault-secrets.js");
    const v = new VaultSecrets("vault", { ...baseArgs, ...args });
    wiring = { hub: v.hub, redis: v.redis };
  });
  const byType = (type: string) =>
    r.others.filter((o) => o.type === type).map((o) => o.inputs as Json);
  return { ...r, wiring, byType };
}

describe("VaultSecrets (agent)", async () => {
  const { wiring, byType, generatedSecrets, others } = await renderVault();

  it("stores generated Redis password, JWT secret and API key in KV v2 under the stack's path", () => {
    const kv = byType("vault:kv/secretV2:SecretV2");
    expect(kv.map((k) => [k.mount, k.name]).sort()).toEqual([
      ["secret", "wshub/prod/auth"],
      ["secret", "wshub/prod/redis"],
    ]);
    expect(generatedSecrets).toHaveLength(3);
    const stored = kv.map((k) => JSON.stringify(k.dataJson)).join(" ");
    for (const value of generatedSecrets) expect(stored).toContain(value);
  });

  it("grants each role read on exactly the paths it needs and nothing else", () => {
    const policies: Record<string, string> = Object.fromEntries(
      byType("vault:index/policy:Policy").map((p) => [p.name, p.policy as string]),
    );
    expect(Object.keys(policies).sort()).toEqual(["wshub-prod-hub", "wshub-prod-redis"]);
    const paths = (text: string) => [...text.matchAll(/path "([^"]+)"/g)].map((m) => m[1]);
    expect(paths(policies["wshub-prod-hub"] ?? "")).toEqual([
      "secret/data/wshub/prod/redis",
      "secret/data/wshub/prod/auth",
    ]);
    expect(paths(policies["wshub-prod-redis"] ?? "")).toEqual(["secret/data/wshub/prod/redis"]);
    for (const text of Object.values(policies)) {
      expect(text).not.toMatch(/[*+]/);
      const caps = [...text.matchAll(/capabilities = \[([^\]]*)\]/g)].map((m) => m[1]);
      expect(caps.every((c) => c === '"read"')).toBe(true);
    }
  });

  it("binds each Kubernetes auth role to one service account in one namespace", () => {
    const roles = byType("vault:kubernetes/authBackendRole:AuthBackendRole");
    expect(
      roles.map((r) => [
        r.roleName,
        r.boundServiceAccountNames,
        r.boundServiceAccountNamespaces,
        r.tokenPolicies,
      ]),
    ).toEqual([
      ["wshub-prod-hub", ["wshub-hub"], ["wshub"], ["wshub-prod-hub"]],
      ["wshub-prod-redis", ["wshub-redis"], ["wshub"], ["wshub-prod-redis"]],
    ]);
    for (const r of roles) expect(r.backend).toBe("kubernetes");
  });

  it("annotates hub pods to render each value alone into /vault/secrets/<file>", () => {
    const a = wiring.hub.annotations;
    expect(a).toMatchObject({
      "vault.hashicorp.com/agent-inject": "true",
      "vault.hashicorp.com/role": "wshub-prod-hub",
      "vault.hashicorp.com/agent-init-first": "true",
      "vault.hashicorp.com/agent-inject-secret-redis-password": "secret/data/wshub/prod/redis",
      "vault.hashicorp.com/agent-inject-template-jwt-secret":
        '{{- with secret "secret/data/wshub/prod/auth" -}}{{ .Data.data.jwtSecret }}{{- end -}}',
      "vault.hashicorp.com/agent-inject-template-api-key":
        '{{- with secret "secret/data/wshub/prod/auth" -}}{{ .Data.data.apiKey }}{{- end -}}',
    });
    expect(a["vault.hashicorp.com/agent-pre-populate-only"]).toBeUndefined();
    expect(wiring.hub.files).toEqual({
      "redis-password": "/vault/secrets/redis-password",
      "jwt-secret": "/vault/secrets/jwt-secret",
      "api-key": "/vault/secrets/api-key",
    });
    // The agent logs in with an audience-bound token from its own volume, not an API token.
    expect(a["vault.hashicorp.com/agent-service-account-token-volume-name"]).toBe("vault-token");
    expect(wiring.hub.volumes).toEqual([
      {
        name: "vault-token",
        projected: {
          sources: [
            { serviceAccountToken: { audience: "vault", expirationSeconds: 3600, path: "token" } },
          ],
        },
      },
    ]);
    expect(wiring.hub.volumeMounts).toEqual([]);
  });

  it("verifies Vault's TLS with the CA from the configured Secret", () => {
    for (const who of ["hub", "redis"]) {
      expect(wiring[who].annotations).toMatchObject({
        "vault.hashicorp.com/service": "https://vault.vault.svc:8200",
        "vault.hashicorp.com/tls-secret": "wshub-vault-ca",
        "vault.hashicorp.com/ca-cert": "/vault/tls/ca.crt",
      });
      expect(wiring[who].annotations["vault.hashicorp.com/tls-skip-verify"]).toBeUndefined();
    }
  });

  it("binds the roles to the Vault audience and makes pods wait for their role and KV", () => {
    for (const r of byType("vault:kubernetes/authBackendRole:AuthBackendRole")) {
      expect(r.audience).toBe("vault");
    }
    expect(wiring.hub.dependsOn).toHaveLength(3);
    expect(wiring.redis.dependsOn).toHaveLength(2);
  });

  it("rotates the generated Redis password by generation", () => {
    const pw = others.find((o) => o.name === "vault-redis-password");
    expect(pw?.inputs.keepers).toEqual({ generation: "1" });
  });

  it("gives Redis pods only the Redis password", () => {
    const keys = Object.keys(wiring.redis.annotations).filter((k) => k.includes("inject-secret-"));
    expect(keys).toEqual(["vault.hashicorp.com/agent-inject-secret-redis-password"]);
    expect(wiring.redis.annotations["vault.hashicorp.com/role"]).toBe("wshub-prod-redis");
    // Reload rotation: the sidecar keeps the file current.
    expect(wiring.redis.annotations["vault.hashicorp.com/agent-pre-populate-only"]).toBeUndefined();
  });

  it("gives pods that read their secret once an init-only agent", async () => {
    const once = await renderVault({ redisReadsOnce: true });
    expect(once.wiring.redis.annotations["vault.hashicorp.com/agent-pre-populate-only"]).toBe(
      "true",
    );
    expect(
      once.wiring.hub.annotations["vault.hashicorp.com/agent-pre-populate-only"],
    ).toBeUndefined();
  });

  it("sets no CA only for an explicit plain-HTTP Vault", async () => {
    const { tls: _t, ...plain } = baseArgs;
    const r = await renderVault({
      ...plain,
      tls: undefined,
      address: "http://vault.vault.svc:8200",
    });
    expect(r.wiring.hub.annotations["vault.hashicorp.com/tls-secret"]).toBeUndefined();
  });
});

describe("VaultSecrets (operator)", async () => {
  const { objects, wiring } = await renderVault({ mode: "operator" });

  it("syncs each secret with a VaultStaticSecret authenticated as its consumer", () => {
    const vss = objects.filter((o) => o.kind === "VaultStaticSecret") as Json[];
    expect(
      vss.map((o) => [o.metadata.name, o.spec.vaultAuthRef, o.spec.path, o.spec.type]),
    ).toEqual([
      ["wshub-hub-redis", "wshub-hub", "wshub/prod/redis", "kv-v2"],
      ["wshub-hub-auth", "wshub-hub", "wshub/prod/auth", "kv-v2"],
      ["wshub-redis-redis", "wshub-redis", "wshub/prod/redis", "kv-v2"],
    ]);
    const auths = objects.filter((o) => o.kind === "VaultAuth") as Json[];
    expect(auths.map((o) => o.spec.kubernetes)).toEqual([
      { role: "wshub-prod-hub", serviceAccount: "wshub-hub", audiences: ["vault"] },
      { role: "wshub-prod-redis", serviceAccount: "wshub-redis", audiences: ["vault"] },
    ]);
    const conn = only(objects, "VaultConnection") as Json;
    expect(conn.spec).toEqual({
      address: "https://vault.vault.svc:8200",
      caCertSecretRef: "wshub-vault-ca",
    });
    // Pods wait for the VaultAuth and the synced secrets they mount.
    expect(wiring.hub.dependsOn.length).toBe(3 + 3);
    expect(wiring.redis.dependsOn.length).toBe(2 + 2);
  });

  it("mounts the synced Secrets at the same file paths as the agent", () => {
    expect(wiring.hub.annotations).toEqual({});
    expect(wiring.hub.volumeMounts).toEqual([
      { name: "vault-secrets", mountPath: "/vault/secrets", readOnly: true },
    ]);
    // Group-readable: files are root-owned with the pod's fsGroup, the container is not root.
    expect(wiring.hub.volumes[0].projected.defaultMode).toBe(0o440);
    const sources = wiring.hub.volumes[0].projected.sources;
    expect(sources).toEqual([
      { secret: { name: "wshub-hub-redis", items: [{ key: "password", path: "redis-password" }] } },
      {
        secret: {
          name: "wshub-hub-auth",
          items: [
            { key: "jwtSecret", path: "jwt-secret" },
            { key: "apiKey", path: "api-key" },
          ],
        },
      },
    ]);
    expect(objects.filter((o) => o.kind === "Secret")).toEqual([]);
  });
});

describe("VaultSecrets (external Redis)", async () => {
  const { byType, wiring, generatedSecrets } = await renderVault({
    redisServiceAccount: undefined,
    redisPassword: "managed-redis-password",
  });

  it("stores the managed password, generates only the auth secrets and has no Redis role", () => {
    expect(generatedSecrets).toHaveLength(2);
    const redisKv = byType("vault:kv/secretV2:SecretV2").find((k) => k.name === "wshub/prod/redis");
    expect(JSON.stringify(redisKv?.dataJson)).toContain("managed-redis-password");
    expect(byType("vault:index/policy:Policy").map((p) => p.name)).toEqual(["wshub-prod-hub"]);
    expect(wiring.redis).toBeUndefined();
  });
});
