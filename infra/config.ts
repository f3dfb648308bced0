// Pulumi config (Pulumi.<stack>.yaml, namespace `wshub`) read once into one typed object.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseStackName, type StackName, type StackSettings, settingsFor } from "./settings.js";

/** The Pulumi project name: config keys are `wshub:<key>`. */
export const PROJECT = "wshub";

/** Splits `registry[:port]/path/name[:tag][@sha256:digest]` into its tag and digest. */
function imageParts(image: string): { tag?: string; digest?: string } | undefined {
  const m =
    /^([a-z0-9][a-z0-9.-]*(?::\d+)?\/)?([a-z0-9._/-]+?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(
      image,
    );
  if (!m) return undefined;
  return { ...(m[3] ? { tag: m[3] } : {}), ...(m[4] ? { digest: m[4] } : {}) };
}

// A tag or digest is required and `latest` is refused: a rollback must name a real previous image.
const pinnedImage = z.string().superRefine((image, ctx) => {
  const parts = imageParts(image);
  if (!parts) ctx.addIssue({ code: "custom", message: "not an image reference" });
  else if (!parts.tag && !parts.digest)
    ctx.addIssue({
      code: "custom",
      message: "needs a pinned tag or digest (e.g. ghcr.io/acme/wshub:1.4.2)",
    });
  else if (parts.tag === "latest")
    ctx.addIssue({ code: "custom", message: "the tag `latest` is not allowed" });
});

const k8sName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "not a DNS-1123 label");
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "not an IPv4 CIDR");

const rawSchema = z.strictObject({
  namespace: k8sName.default("wshub"),
  createNamespace: z.boolean().default(true),
  image: pinnedImage,
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
  allowedOrigins: z.array(z.url()).default([]),
  ingress: z
    .strictObject({
      host: z.string().min(1),
      className: z.string().default("nginx"),
      tlsSecretName: k8sName.optional(),
      /** Idle timeout for WebSockets through the ingress; above the hub heartbeat. */
      timeoutSeconds: z.int().min(60).max(86400).default(3600),
    })
    .optional(),
  network: z
    .strictObject({
      ingressNamespace: k8sName.default("ingress-nginx"),
      monitoringNamespace: k8sName.default("monitoring"),
      dnsNamespace: k8sName.default("kube-system"),
      /**
       * Proxies in front of the hub that append X-Forwarded-For (the hub's TRUSTED_PROXIES):
       * 1 = the ingress controller, the only peer the NetworkPolicies let reach the hub port.
       * Add one for each further layer-7 proxy that appends the header (a cloud HTTP LB).
       */
      proxyHops: z.int().min(0).max(10).default(1),
    })
    .default({
      ingressNamespace: "ingress-nginx",
      monitoringNamespace: "monitoring",
      dnsNamespace: "kube-system",
      proxyHops: 1,
    }),
  vault: z.strictObject({
    /** `agent`: Vault Agent Injector annotations; `operator`: Vault Secrets Operator CRs. */
    mode: z.enum(["agent", "operator"]).default("agent"),
    address: z.url().default("https://vault.vault.svc:8200"),
    /** Where pods reach Vault: its namespace (in cluster) or a CIDR (outside). */
    namespace: k8sName.optional(),
    cidr: cidr.optional(),
    kvMount: z.string().min(1).default("secret"),
    authMount: z.string().min(1).default("kubernetes"),
  }),
  redis: z
    .strictObject({
      image: pinnedImage.default("redis:7.2.5"),
      external: z.boolean().default(false),
      /** Managed Redis URL without password (`rediss://host:port`); password from `redisPassword`. */
      url: z
        .string()
        .regex(/^rediss?:\/\/[^@\s]+$/, "redis URL without credentials")
        .optional(),
      egressCidr: cidr.optional(),
    })
    .default({ image: "redis:7.2.5", external: false }),
  monitoring: z
    .strictObject({
      ruleLabels: z.record(z.string(), z.string()).default({ release: "kube-prometheus-stack" }),
      scrapeInterval: z
        .string()
        .regex(/^\d+[sm]$/)
        .default("15s"),
    })
    .default({ ruleLabels: { release: "kube-prometheus-stack" }, scrapeInterval: "15s" }),
  settings: z.unknown().optional(),
});

type Raw = z.infer<typeof rawSchema>;

export type InfraConfig = Omit<Raw, "settings" | "redis" | "vault"> & {
  stack: StackName;
  settings: StackSettings;
  appVersion: string;
  vault: Raw["vault"] & { port: number };
  redis:
    | { external: false; image: string }
    | { external: true; url: string; egressCidr: string; password: pulumi.Output<string> };
};

/** A config value that cannot be deployed; the message names the key and what to put there. */
export class InfraConfigError extends Error {
  override readonly name = "InfraConfigError";
}

/** Validates raw config values (keys without the `wshub:` prefix); secrets are passed apart. */
export function parseInfraConfig(
  stackName: string,
  raw: Record<string, unknown>,
  secrets: { redisPassword?: () => pulumi.Output<string> } = {},
): InfraConfig {
  const stack = parseStackName(stackName);
  const parsed = rawSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `${PROJECT}:${i.path.join(".") || "(root)"}: ${i.message}`,
    );
    throw new InfraConfigError(`invalid ${stack} config:\n  ${lines.join("\n  ")}`);
  }
  const { settings: overrides, redis, vault, ...rest } = parsed.data;
  if (vault.namespace !== undefined && vault.cidr !== undefined) {
    throw new InfraConfigError(
      `${PROJECT}:vault: set vault.namespace (Vault in the cluster) or vault.cidr (outside), not both`,
    );
  }
  if (vault.cidr === undefined) vault.namespace ??= "vault";
  const port = Number(new URL(vault.address).port || 443);
  const parts = imageParts(rest.image);
  const appVersion = parts?.tag ?? parts?.digest?.slice("sha256:".length, 19) ?? "unknown";
  return {
    ...rest,
    stack,
    settings: settingsFor(stack, overrides ?? {}),
    appVersion,
    vault: { ...vault, port },
    redis: parseRedis(redis, secrets),
  };
}

function parseRedis(
  redis: Raw["redis"],
  secrets: { redisPassword?: () => pulumi.Output<string> },
): InfraConfig["redis"] {
  if (!redis.external) return { external: false, image: redis.image };
  if (redis.url === undefined || redis.egressCidr === undefined || !secrets.redisPassword) {
    throw new InfraConfigError(
      `${PROJECT}:redis: external Redis needs redis.url, redis.egressCidr and the secret ${PROJECT}:redisPassword (pulumi config set --secret redisPassword ...)`,
    );
  }
  return {
    external: true,
    url: redis.url,
    egressCidr: redis.egressCidr,
    password: secrets.redisPassword(),
  };
}

const OBJECT_KEYS = ["ingress", "network", "vault", "redis", "monitoring", "settings"] as const;
const PLAIN_KEYS = ["namespace", "image", "logLevel"] as const;
const OTHER_KEYS = ["createNamespace", "allowedOrigins", "redisPassword"] as const;

/** Reads the current stack's config through the Pulumi runtime (the program's only reader). */
export function loadConfig(): InfraConfig {
  const cfg = new pulumi.Config(PROJECT);
  const known = new Set<string>([...PLAIN_KEYS, ...OBJECT_KEYS, ...OTHER_KEYS]);
  const unknown = Object.keys(pulumi.runtime.allConfig())
    .filter((k) => k.startsWith(`${PROJECT}:`) && !known.has(k.slice(PROJECT.length + 1)))
    .sort();
  if (unknown.length > 0) {
    throw new InfraConfigError(
      `unknown config key(s) ${unknown.join(", ")}: known keys are ${[...known].sort().join(", ")}`,
    );
  }
  const raw: Record<string, unknown> = {};
  // The SDK's getters throw on malformed values (not JSON, not a boolean): name the key instead.
  const read = (key: string, get: (k: string) => unknown) => {
    try {
      raw[key] = get(key);
    } catch {
      throw new InfraConfigError(
        `${PROJECT}:${key}: malformed value ${JSON.stringify(cfg.get(key))} (expected ${key === "createNamespace" ? "true or false" : "a YAML object or list"})`,
      );
    }
  };
  for (const key of PLAIN_KEYS) read(key, (k) => cfg.get(k));
  for (const key of [...OBJECT_KEYS, "allowedOrigins"]) read(key, (k) => cfg.getObject(k));
  read("createNamespace", (k) => cfg.getBoolean(k));
  for (const key of Object.keys(raw)) if (raw[key] === undefined) delete raw[key];
  raw.vault ??= {};
  return parseInfraConfig(pulumi.getStack(), raw, {
    redisPassword: () => cfg.requireSecret("redisPassword"),
  });
}
