import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../service/config.js";
import { type KubeObject, renderStack, renderStackReport, type StackRender } from "./render.js";
import { settingsFor } from "./settings.js";
import { type Json, only } from "./testing/components.js";
import { validateKubeObject } from "./testing/kube-schema.js";

const EXTERNAL_REDIS = {
  redis: { external: true, url: "rediss://redis.example.com:6380", egressCidr: "10.1.0.0/16" },
  redisPassword: "managed-redis-password-from-config",
};

const variants: [string, () => Promise<StackRender>, string[]][] = [
  ["prod", () => renderStackReport("prod"), []],
  ["dev", () => renderStackReport("dev"), []],
  ["prod, operator mode", () => renderStackReport("prod", { vault: { mode: "operator" } }), []],
  [
    "prod, external Redis",
    () => renderStackReport("prod", EXTERNAL_REDIS),
    [EXTERNAL_REDIS.redisPassword],
  ],
];

function strings(value: unknown, path = ""): [string, string][] {
  if (typeof value === "string") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [
      [`${path}.${k}#key`, k] as [string, string],
      ...strings(v, `${path}.${k}`),
    ]);
  }
  return [];
}

describe.each(variants)("render %s", async (_name, render, extraSecrets) => {
  const report = await render();
  const { objects } = report;

  it("emits objects that pass the Kubernetes schemas and have no unknown fields", () => {
    const problems = objects.flatMap(validateKubeObject);
    expect(problems).toEqual([]);
  });

  it("names every object uniquely and puts every namespaced object in the stack's namespace", () => {
    const ids = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    const ns = only(objects, "Namespace").metadata.name;
    for (const o of objects.filter((x) => x.kind !== "Namespace"))
      expect(o.metadata.namespace).toBe(ns);
  });

  it("contains no literal secret anywhere", () => {
    const secrets = [...report.generatedSecrets, ...extraSecrets];
    expect(secrets.length).toBeGreaterThan(0);
    const all = strings(objects);
    for (const secret of secrets) {
      expect(all.filter(([, v]) => v.includes(secret)).map(([p]) => p)).toEqual([]);
    }
    expect(objects.filter((o) => o.kind === "Secret")).toEqual([]);
    // Secret-looking env vars may only point at files.
    for (const [path, value] of all) {
      if (!path.endsWith(".name") || !/PASSWORD|SECRET|API_KEY|TOKEN|PUBLIC_KEY/.test(value))
        continue;
      expect(value, path).toMatch(/_FILE$/);
    }
    expect(JSON.stringify(report.others)).not.toMatch(/dataJson/);
  });

  it("gives the hub an environment that the hub's own settings validation accepts", async () => {
    const deployment = objects.find((o) => o.kind === "Deployment" && /hub/.test(o.metadata.name));
    const container = (deployment as Json).spec.template.spec.containers[0];
    const dir = await mkdtemp(join(tmpdir(), "wshub-env-"));
    try {
      const env: Record<string, string> = {};
      for (const e of container.env as { name: string; value?: string }[]) {
        if (e.value === undefined) continue; // valueFrom: filled in by Kubernetes
        env[e.name] = e.value;
        if (!e.name.endsWith("_FILE")) continue;
        // Where Vault mounts the secret; a stand-in file here.
        const file = join(dir, e.name);
        await writeFile(file, `stand-in for ${e.name}\n`);
        env[e.name] = file;
      }
      const config = loadConfig(env);
      expect(config.production).toBe(true);
      expect(config.trustProxy, "TRUSTED_PROXIES").toBeDefined();
      expect(config.port).toBe(Number(container.ports[0].containerPort));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("pins every image", () => {
    const images = strings(objects)
      .filter(([p]) => /\.image$/.test(p))
      .map(([, v]) => v);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/:[\w.-]+$|@sha256:/);
    for (const image of images) expect(image).not.toMatch(/:latest$/);
  });
});

describe("renderStack prod", async () => {
  const objects = await renderStack("prod");
  const kinds = new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`));

  it("produces the full set: hub, Redis with Sentinel, policies, monitoring", () => {
    for (const k of [
      "v1/Namespace",
      "apps/v1/Deployment",
      "v1/Service",
      "autoscaling/v2/HorizontalPodAutoscaler",
      "policy/v1/PodDisruptionBudget",
      "apps/v1/StatefulSet",
      "networking.k8s.io/v1/NetworkPolicy",
      "networking.k8s.io/v1/Ingress",
      "v1/ServiceAccount",
      "monitoring.coreos.com/v1/ServiceMonitor",
      "monitoring.coreos.com/v1/PrometheusRule",
    ]) {
      expect(kinds).toContain(k);
    }
    const sts = only(objects, "StatefulSet") as Json;
    expect(sts.spec.template.spec.containers.map((c: Json) => c.name)).toEqual([
      "redis",
      "sentinel",
    ]);
  });

  it("uses the shared settings for the rollout (the numbers chaos reads)", () => {
    const s = settingsFor("prod");
    const d = only(objects, "Deployment") as Json;
    expect(d.spec.strategy.rollingUpdate).toEqual({
      maxSurge: s.rollout.maxSurge,
      maxUnavailable: s.rollout.maxUnavailable,
    });
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(
      s.shutdown.terminationGracePeriodSeconds,
    );
  });

  it("enforces the restricted Pod Security Standard on the namespace", () => {
    expect(only(objects, "Namespace").metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
    });
  });

  it("applies config overrides and keeps the stack file's other values", async () => {
    const o = await renderStack("prod", {
      image: "ghcr.io/acme/wshub:9.9.9",
      settings: { replicas: 8, hpa: { minReplicas: 8 } },
    });
    const d = only(o, "Deployment") as Json;
    expect(d.spec.replicas).toBe(8);
    expect(d.spec.template.spec.containers[0].image).toBe("ghcr.io/acme/wshub:9.9.9");
    expect((only(o, "HorizontalPodAutoscaler") as Json).spec.minReplicas).toBe(8);
    expect(only(o, "Ingress").metadata.name).toBe("wshub-hub");
  });

  it("rejects a bad stack name, a bad value and an unknown key with a clear error", async () => {
    await expect(renderStack("qa" as "dev")).rejects.toThrow(/unknown stack "qa"/);
    await expect(renderStack("prod", { image: "wshub:latest" })).rejects.toThrow(/latest/);
    await expect(renderStack("prod", { ingress: "ws.example.com" })).rejects.toThrow(
      /wshub:ingress: malformed value/,
    );
    await expect(renderStack("prod", { replicas: 3 })).rejects.toThrow(
      /unknown config key\(s\) wshub:replicas/,
    );
    await expect(
      renderStack("prod", { settings: { shutdown: { terminationGracePeriodSeconds: 10 } } }),
    ).rejects.toThrow(/terminationGracePeriodSeconds/);
    // A failed render leaves the runtime usable.
    expect((await renderStack("dev")).length).toBeGreaterThan(10);
  });
});

describe("render-cli", () => {
  const cli = (args: string[]) =>
    promisify(execFile)("npx", ["tsx", "infra/render-cli.ts", ...args], { timeout: 60_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it("writes one YAML file per object plus an index", async () => {
    const out = await mkdtemp(join(tmpdir(), "wshub-render-"));
    try {
      const r = await cli(["--stack", "dev", "--out", out]);
      expect(r.code).toBe(0);
      const files = (await readdir(out)).sort();
      const index = parse(await readFile(join(out, "index.yaml"), "utf8")) as Json;
      expect(files).toEqual([...index.objects.map((o: Json) => o.file), "index.yaml"].sort());
      const first = parse(await readFile(join(out, index.objects[0].file), "utf8")) as KubeObject;
      expect(first.kind).toBe("Namespace");
      expect(index.otherResources.map((o: Json) => o.type)).toContain("vault:index/policy:Policy");
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("exits 2 with a message and no stack trace on a bad stack or value", async () => {
    const badStack = await cli(["--stack", "qa", "--out", "/tmp/unused"]);
    expect(badStack.code).toBe(2);
    expect(badStack.stderr).toMatch(/unknown stack "qa"/);
    expect(badStack.stderr).not.toMatch(/\n\s+at /);
    const badValue = await cli([
      "--stack",
      "prod",
      "--out",
      "/tmp/unused",
      "--set",
      'settings={"replicas":0}',
    ]);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toMatch(/replicas/);
    expect(badValue.stderr).not.toMatch(/\n\s+at /);
  });
});
