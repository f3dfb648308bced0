import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  isHubEnvName,
  likelyTypoOf,
  memoryBoundBytes,
  STACKS,
  settingsFor,
} from "../contract/index.js";
import { loadConfig } from "../service/config.js";
import { type KubeObject, renderStack, renderStackReport, type StackRender } from "./render.js";
import { type Json, only } from "./testing/components.js";
import { validateKubeObject } from "./testing/kube-schema.js";
import { REDIS_CLUSTER } from "./testing/stack-variants.js";

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
  ["prod, Redis Cluster", () => renderStackReport("prod", REDIS_CLUSTER), []],
  [
    "prod, Redis Cluster, operator mode",
    () => renderStackReport("prod", { ...REDIS_CLUSTER, vault: { mode: "operator" } }),
    [],
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

/** The `hub` container of a rendered stack's hub Deployment. */
function hubContainer(objects: KubeObject[]): Json {
  const deployment = objects.find((o) => o.kind === "Deployment" && /hub/.test(o.metadata.name));
  const containers = (deployment as Json).spec.template.spec.containers as Json[];
  const hub = containers.find((c) => c.name === "hub");
  if (hub === undefined) throw new Error("the hub Deployment has no container named hub");
  return hub;
}

/** The env names of a container the hub does not read, each with the name it was likely meant as. */
function unknownEnvNames(container: Json): string[] {
  return (container.env as { name: string }[])
    .map((e) => e.name)
    .filter((name) => !isHubEnvName(name))
    .map((name) => `${name}${likelyTypoOf(name) ? ` (did you mean ${likelyTypoOf(name)}?)` : ""}`);
}

describe.each(STACKS)("the %s stack's hub container", async (stack) => {
  const objects = await renderStack(stack);
  const container = hubContainer(objects);
  const settings = settingsFor(stack);

  it("names only variables the hub reads (contract/hub-env.ts)", () => {
    expect(container.env.length).toBeGreaterThan(10);
    expect(unknownEnvNames(container)).toEqual([]);
  });

  it("passes the hub's memory bounds, and its memory limit holds the bound they make", () => {
    const env = Object.fromEntries(
      (container.env as { name: string; value?: string }[]).map((e) => [e.name, e.value]),
    );
    const bounds = {
      maxConnections: Number(env.MAX_CONNECTIONS),
      maxConnectionBytes: Number(env.MAX_CONNECTION_BYTES),
      maxHttpSockets: Number(env.MAX_HTTP_SOCKETS),
      maxPayloadBytes: Number(env.MAX_PAYLOAD_BYTES),
    };
    expect(bounds).toEqual({
      maxConnections: settings.hub.maxConnections,
      maxConnectionBytes: settings.hub.maxConnectionBytes,
      maxHttpSockets: settings.hub.maxHttpSockets,
      maxPayloadBytes: settings.hub.maxPayloadBytes,
    });
    expect(env.MAX_CHANNELS).toBe(String(settings.hub.maxChannels));
    const limit = container.resources.limits.memory as string;
    expect(limit).toMatch(/^\d+Mi$/);
    expect(Number.parseInt(limit, 10) * 1024 * 1024).toBeGreaterThanOrEqual(
      memoryBoundBytes(bounds),
    );
  });
});

describe("unknownEnvNames", () => {
  it("names a misspelt or foreign variable in a container", () => {
    const container = {
      env: [{ name: "MAX_CONNECTIONS" }, { name: "MAX_CONECTIONS" }, { name: "FOO" }],
    };
    expect(unknownEnvNames(container)).toEqual([
      "MAX_CONECTIONS (did you mean MAX_CONNECTIONS?)",
      "FOO",
    ]);
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
      "redis-exporter",
      "sentinel-exporter",
      "password-reload",
    ]);
  });

  it("exposes only the WebSocket path publicly; /metrics and /readyz stay on the internal port", () => {
    const ing = only(objects, "Ingress") as Json;
    const paths = ing.spec.rules.flatMap((r: Json) => r.http.paths.map((p: Json) => p.path));
    expect(paths).toEqual(["/v1/ws"]);
    expect(ing.spec.tls).toEqual([{ hosts: ["ws.example.com"], secretName: "wshub-tls" }]);
    const sm = only(objects, "ServiceMonitor", "wshub-hub") as Json;
    expect(sm.spec.endpoints[0].port).toBe("internal");
    const svc = only(objects, "Service", "wshub-hub") as Json;
    const internal = svc.spec.ports.find((p: Json) => p.name === "internal");
    expect(paths).not.toContain(internal.port);
    const internalPolicy = only(objects, "NetworkPolicy", "wshub-hub-internal") as Json;
    expect(internalPolicy.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 9091 }]);
    const fromIngress = only(objects, "NetworkPolicy", "wshub-hub-from-ingress") as Json;
    expect(fromIngress.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 8080 }]);
  });

  it("deploys every Kubernetes object through the stack's explicit provider", async () => {
    const report = await renderStackReport("prod");
    const kube = Object.entries(report.safety).filter(([, r]) => r.type.startsWith("kubernetes:"));
    expect(kube.length).toBeGreaterThan(20);
    for (const [name, r] of kube) {
      expect(r.provider, name).toMatch(/pulumi:providers:kubernetes::kubernetes::/);
    }
  });

  it("protects the namespace and Redis' data, and replaces nothing delete-first", async () => {
    const { safety } = await renderStackReport("prod");
    expect(safety.namespace).toMatchObject({ protect: true, retainOnDelete: true });
    expect(safety["redis-statefulset"]).toMatchObject({
      protect: true,
      retainOnDelete: true,
      ignoreChanges: ["spec.volumeClaimTemplates"],
    });
    for (const [name, r] of Object.entries(safety)) expect(r.deleteBeforeReplace, name).toBe(false);
    const dev = await renderStackReport("dev");
    expect(dev.safety.namespace).toMatchObject({ protect: false, retainOnDelete: true });
  });

  it("starts pods only after their Vault role and KV secrets exist", async () => {
    const { safety } = await renderStackReport("prod");
    expect(safety["hub-deployment"]?.dependsOn.sort()).toEqual(
      ["vault-auth", "vault-hub-role", "vault-redis"].sort(),
    );
    expect(safety["redis-statefulset"]?.dependsOn.sort()).toEqual(
      ["vault-redis", "vault-redis-role"].sort(),
    );
  });

  it("rolls Redis pods instead of replacing objects when the scripts or sizes change", async () => {
    const bigger = await renderStack("prod", {
      settings: { redis: { storageGiB: 32, resources: { limits: { memoryMiB: 2048 } } } },
    });
    const before = only(objects, "ConfigMap") as Json;
    const after = only(bigger, "ConfigMap") as Json;
    expect(after.metadata.name).not.toBe(before.metadata.name);
    const volume = (o: KubeObject[]) =>
      (only(o, "StatefulSet") as Json).spec.template.spec.volumes.find(
        (v: Json) => v.name === "config",
      ).configMap.name;
    expect(volume(bigger)).toBe(after.metadata.name);
    expect(volume(objects)).toBe(before.metadata.name);
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

  it("renders the HPA on CPU by default, with the custom metric, or as a KEDA ScaledObject", async () => {
    const metrics = (o: KubeObject[]) =>
      (only(o, "HorizontalPodAutoscaler") as Json).spec.metrics.map((m: Json) => m.type);
    expect(metrics(objects)).toEqual(["Resource"]);
    const adapter = await renderStack("prod", {
      autoscaling: { connections: "prometheus-adapter" },
    });
    expect(metrics(adapter)).toEqual(["Resource", "Pods"]);
    const keda = await renderStack("prod", { autoscaling: { connections: "keda" } });
    expect(keda.filter((o) => o.kind === "HorizontalPodAutoscaler")).toEqual([]);
    expect(only(keda, "ScaledObject").apiVersion).toBe("keda.sh/v1alpha1");
    for (const o of [...adapter, ...keda]) expect(validateKubeObject(o)).toEqual([]);
  });

  it("renders a Gateway API HTTPRoute and a cert-manager Certificate when chosen", async () => {
    const o = await renderStack("prod", {
      ingress: {
        host: "ws.example.com",
        api: "gateway",
        gateway: { name: "public", namespace: "gateway-system" },
        tlsSecretName: "wshub-tls",
        certManagerIssuer: { name: "letsencrypt" },
        publishApi: true,
      },
    });
    expect(o.filter((x) => x.kind === "Ingress")).toEqual([]);
    const route = only(o, "HTTPRoute") as Json;
    expect(route.spec.rules[0].matches.map((m: Json) => m.path.value)).toEqual([
      "/v1/ws",
      "/v1/publish",
    ]);
    expect(only(o, "Certificate").metadata.name).toBe("wshub-hub");
    for (const x of o) expect(validateKubeObject(x)).toEqual([]);
  });

  it("refuses prod without an explicit cluster", async () => {
    await expect(renderStack("prod", { kubernetes: undefined })).rejects.toThrow(
      /wshub:kubernetes: prod deploys only to a named cluster/,
    );
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
    promisify(execFile)(process.execPath, ["--import", "tsx", "infra/render-cli.ts", ...args], {
      timeout: 60_000,
    }).then(
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

  it("prints its usage on stdout and exits 0 for -h and --help", async () => {
    for (const r of await Promise.all([cli(["-h"]), cli(["--help"])])) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^usage: npm run infra:render -- --stack <dev\|prod> --out <dir>/);
      expect(r.stderr).toBe("");
    }
  });

  it("prints the usage and exits 2 on an unknown option or a missing --out", async () => {
    for (const r of await Promise.all([cli(["--stak", "dev"]), cli(["--stack", "dev"])])) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/usage: npm run infra:render/);
      expect(r.stdout).toBe("");
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
