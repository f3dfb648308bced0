// Offline render: runs the Pulumi program under the mocks runtime (no CLI, no cluster) and
// returns the Kubernetes objects it would create, plus a redacted list of the Vault resources.
import { readFile } from "node:fs/promises";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { parseStackName, type StackName } from "../contract/index.js";
import { loadConfig, PROJECT } from "./config.js";
import { runUnderMocks } from "./mock-runtime.js";

/** A plain Kubernetes object as it would be applied. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A resource that is not a Kubernetes object (Vault, random), with secret inputs left out. */
export interface OtherResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** The resource options that decide what a change does to a live resource. */
export interface ResourceSafety {
  type: string;
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  /** Names of the resources it explicitly depends on. */
  dependsOn: string[];
  /** The provider reference the engine saw (`urn::id`), inherited through parents. */
  provider?: string;
}

export interface StackRender {
  stack: StackName;
  objects: KubeObject[];
  /** Options of every resource by Pulumi name, as the program set them. */
  safety: Record<string, ResourceSafety>;
  others: OtherResource[];
  /** The values the mocks generated for random passwords: tests scan output for them. */
  generatedSecrets: string[];
}

/** Config overrides: keys without the `wshub:` prefix (or fully qualified), any JSON value. */
export type ConfigOverrides = Record<string, unknown>;

/** The Kubernetes objects of a stack, from infra/Pulumi.<stack>.yaml plus overrides. */
export async function renderStack(
  stack: StackName,
  configOverrides: ConfigOverrides = {},
): Promise<KubeObject[]> {
  return (await renderStackReport(stack, configOverrides)).objects;
}

/** renderStack plus the non-Kubernetes resources and the mock secret values. */
export async function renderStackReport(
  stackName: StackName,
  configOverrides: ConfigOverrides = {},
): Promise<StackRender> {
  const stack = parseStackName(stackName);
  const { config, secretKeys } = await stackConfig(stack, configOverrides);
  const safety: Record<string, ResourceSafety> = {};
  const { registered, generatedSecrets } = await runUnderMocks(
    stack,
    config,
    secretKeys,
    async () => {
      // Imported after the mocks are set: the program's modules must see the mock monitor.
      const { deployStack } = await import("./stack.js");
      // Config errors surface here, as plain rejections (inside the stack they would not).
      const config = loadConfig();
      // Inside a root stack resource, as `pulumi up` runs index.ts, so options can be observed.
      await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((t) => {
          safety[t.name] = safetyOf(t.type, t.opts);
          return undefined;
        });
        deployStack(config);
        return {};
      });
    },
  );
  // The engine resolves inherited providers: take the reference it registered.
  for (const r of registered) {
    const entry = safety[r.name];
    if (entry && r.provider) entry.provider = r.provider;
  }
  return {
    stack,
    safety,
    objects: registered
      .filter((r) => r.type.startsWith("kubernetes:"))
      .map(toKubeObject)
      .sort(byApplyOrder),
    others: registered
      .filter(
        (r) =>
          r.custom !== false &&
          !r.type.startsWith("kubernetes:") &&
          !r.type.startsWith("pulumi:providers:"),
      )
      .map(redact),
    generatedSecrets,
  };
}

function safetyOf(type: string, o: pulumi.ResourceOptions): ResourceSafety {
  const deps =
    o.dependsOn === undefined ? [] : Array.isArray(o.dependsOn) ? o.dependsOn : [o.dependsOn];
  const provider = (o as pulumi.CustomResourceOptions).provider;
  return {
    type,
    protect: o.protect === true,
    retainOnDelete: o.retainOnDelete === true,
    deleteBeforeReplace: (o as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
    ignoreChanges: o.ignoreChanges ?? [],
    dependsOn: deps.map(resourceName),
    ...(provider ? { provider: resourceName(provider) } : {}),
  };
}

// The logical name Pulumi gave a resource object (internal field, stable across 3.x).
function resourceName(r: unknown): string {
  const name = (r as { __name?: unknown }).__name;
  return typeof name === "string" ? name : "?";
}

const SECRET_PLACEHOLDER = "pulumi-secret-not-available-offline";

/** Pulumi runtime config (`project:key` → string) for a stack file plus overrides. */
export async function stackConfig(
  stack: StackName,
  overrides: ConfigOverrides = {},
): Promise<{ config: Record<string, string>; secretKeys: string[] }> {
  const file = new URL(`./Pulumi.${stack}.yaml`, import.meta.url);
  const doc: unknown = parse(await readFile(file, "utf8"));
  const fromFile = isObject(doc) && isObject(doc.config) ? doc.config : {};
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const put = (key: string, value: unknown) => {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    // Encrypted values cannot be read without the stack's secrets provider; they only reach
    // Vault resources, which the render leaves out.
    if (isObject(value) && typeof value.secure === "string") {
      secretKeys.push(full);
      config[full] = SECRET_PLACEHOLDER;
      return;
    }
    config[full] = typeof value === "string" ? value : JSON.stringify(value);
  };
  for (const [k, v] of Object.entries(fromFile)) put(k, v);
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete config[k.includes(":") ? k : `${PROJECT}:${k}`];
    else put(k, v);
  }
  return { config, secretKeys };
}

/** A registered `kubernetes:*` resource as the plain object it would apply. */
export function toKubeObject(r: pulumi.runtime.MockResourceArgs): KubeObject {
  const { apiVersion, kind, metadata, ...rest } = JSON.parse(JSON.stringify(r.inputs)) as Record<
    string,
    unknown
  >;
  const [, group = "", type = ""] = r.type.split(":");
  return {
    apiVersion: typeof apiVersion === "string" ? apiVersion : group.replace(/^core\//, ""),
    kind: typeof kind === "string" ? kind : type,
    metadata: { ...(isObject(metadata) ? metadata : {}), name: nameOf(metadata, r.name) },
    ...rest,
  };
}

function nameOf(metadata: unknown, fallback: string): string {
  return isObject(metadata) && typeof metadata.name === "string" ? metadata.name : fallback;
}

const SAFE_INPUTS: Record<string, readonly string[]> = {
  "vault:index/policy:Policy": ["name", "policy"],
  "vault:kubernetes/authBackendRole:AuthBackendRole": [
    "backend",
    "roleName",
    "boundServiceAccountNames",
    "boundServiceAccountNamespaces",
    "tokenPolicies",
    "tokenTtl",
    "tokenMaxTtl",
    "audience",
  ],
  "vault:kv/secretV2:SecretV2": ["mount", "name"],
  "random:index/randomPassword:RandomPassword": ["length", "special", "keepers"],
};

function redact(r: pulumi.runtime.MockResourceArgs): OtherResource {
  const keep = SAFE_INPUTS[r.type] ?? [];
  const inputs = Object.fromEntries(keep.filter((k) => k in r.inputs).map((k) => [k, r.inputs[k]]));
  return { type: r.type, name: r.name, inputs };
}

const KIND_ORDER = [
  "Namespace",
  "NetworkPolicy",
  "ServiceAccount",
  "VaultConnection",
  "VaultAuth",
  "VaultStaticSecret",
  "ConfigMap",
  "Service",
  "StatefulSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "ScaledObject",
  "PodDisruptionBudget",
  "Certificate",
  "Ingress",
  "HTTPRoute",
  "ServiceMonitor",
  "PrometheusRule",
];

function byApplyOrder(a: KubeObject, b: KubeObject): number {
  const rank = (o: KubeObject) => {
    const i = KIND_ORDER.indexOf(o.kind);
    return i === -1 ? KIND_ORDER.length : i;
  };
  return rank(a) - rank(b) || a.metadata.name.localeCompare(b.metadata.name);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
