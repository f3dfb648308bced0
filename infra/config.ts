// Pulumi config (Pulumi.<stack>.yaml, namespace `wshub`) read once into one typed object.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  parseStackName,
  type StackName,
  type StackSettings,
  settingsFor,
} from "../contract/index.js";
import { REDIS_EXPORTER_IMAGE, REDIS_IMAGE } from "./images.js";

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
      /** `ingress`: a networking.k8s.io Ingress; `gateway`: a Gateway API HTTPRoute. */
      api: z.enum(["ingress", "gateway"]).default("ingress"),
      className: z.string().default("nginx"),
      /** The Gateway the HTTPRoute attaches to (api `gateway`); its listener terminates TLS. */
      gateway: z
        .strictObject({
          name: k8sName,
          namespace: k8sName,
          sectionName: z.string().min(1).optional(),
        })
        .optional(),
      tlsSecretName: k8sName.optional(),
      /** Issue tlsSecretName with cert-manager from this (Cluster)Issuer. */
      certManagerIssuer: z
        .strictObject({
          name: z.string().min(1),
          kind: z.enum(["Issuer", "ClusterIssuer"]).default("ClusterIssuer"),
        })
        .optional(),
      /** Route POST /v1/publish (behind its API key) too; off: only the WebSocket path. */
      publishApi: z.boolean().default(false),
      /** Idle timeout for WebSockets through the ingress; above the hub heartbeat. */
      timeoutSeconds: z.int().min(60).max(86400).default(3600),
    })
    .optional(),
  /** The cluster `pulumi up` deploys to; prod refuses to run without one. */
  kubernetes: z
    .strictObject({
      /** Path to, or contents of, a kubeconfig; absent: the default kubeconfig. */
      kubeconfig: z.string().min(1).optional(),
      context: z.string().min(1).optional(),
    })
    .optional(),
  autoscaling: z
    .strictObject({
      /**
       * How the HPA sees connections per pod: `cpu` (no custom metric: CPU only),
       * `prometheus-adapter` (a Pods metric served by an adapter with infra's rule), or `keda`
       * (a KEDA ScaledObject that queries Prometheus and owns the HPA).
       */
      connections: z.enum(["cpu", "prometheus-adapter", "keda"]).default("cpu"),
      /** Prometheus as KEDA reaches it (keda only). */
      prometheusAddress: z.url().default("http://prometheus-operated.monitoring.svc:9090"),
    })
    .default({
      connections: "cpu",
      prometheusAddress: "http://prometheus-operated.monitoring.svc:9090",
    }),
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
      /** Node addresses, for CNIs whose policies also apply to kubelet probes (optional). */
      nodeCidr: cidr.optional(),
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
    /** Secret (key `ca.crt`) in the stack's namespace with the CA that signed Vault's certificate. */
    caSecretName: k8sName.default("wshub-vault-ca"),
    /** Name in Vault's certificate, when it differs from the address' host. */
    tlsServerName: z.string().min(1).optional(),
    /** Allow an `http://` address: a dev Vault only; prod refuses it. */
    plainHttp: z.boolean().default(false),
    /** Audience of the service-account tokens pods present to Vault (bound on the roles). */
    audience: z.string().min(1).default("vault"),
    /** Bump to rotate the generated Redis password (a new value reaches Redis without restarts). */
    redisPasswordGeneration: z.int().min(1).default(1),
  }),
  redis: z
    .strictObject({
      image: pinnedImage.default(REDIS_IMAGE),
      exporterImage: pinnedImage.default(REDIS_EXPORTER_IMAGE),
      /**
       * How a rotated password reaches Redis: `reload` (a loop applies it live; Sentinel's
       * default) or `restart` (init-only Vault agent, pods restart; a single Redis' default).
       */
      passwordRotation: z.enum(["reload", "restart"]).optional(),
      external: z.boolean().default(false),
      /** Managed Redis URL without password (`rediss://host:port`); password from `redisPassword`. */
      url: z
        .string()
        .regex(/^rediss?:\/\/[^@\s]+$/, "redis URL without credentials")
        .optional(),
      egressCidr: cidr.optional(),
    })
    .default({ image: REDIS_IMAGE, exporterImage: REDIS_EXPORTER_IMAGE, external: false }),
  monitoring: z
    .strictObject({
      ruleLabels: z.record(z.string(), z.string()).default({ release: "kube-prometheus-stack" }),
      scrapeInterval: z
        .string()
        .regex(/^\d+[sm]$/)
        .default("15s"),
      /** Where docs/runbooks.md is served; each alert links `<this>#<alert>`. */
      runbookBaseUrl: z.string().min(1).default("docs/runbooks.md"),
    })
    .default({
      ruleLabels: { release: "kube-prometheus-stack" },
      scrapeInterval: "15s",
      runbookBaseUrl: "docs/runbooks.md",
    }),
  settings: z.unknown().optional(),
});

type Raw = z.infer<typeof rawSchema>;

export type InfraConfig = Omit<Raw, "settings" | "redis" | "vault"> & {
  stack: StackName;
  settings: StackSettings;
  appVersion: string;
  vault: Raw["vault"] & { port: number };
  redis:
    | {
        external: false;
        image: string;
        exporterImage: string;
        passwordRotation: "reload" | "restart";
      }
    | { external: true; url: string; egressCidr: string; password: pulumi.Output<string> };
};

/** Stable codes of InfraConfigError. */
export type InfraConfigErrorCode =
  | "INVALID_CONFIG"
  | "KUBERNETES_PROVIDER_REQUIRED"
  | "VAULT_PLAIN_HTTP"
  | "EXTERNAL_REDIS_INCOMPLETE"
  | "UNKNOWN_KEY";

/** A config value that cannot be deployed; the message names the key and what to put there. */
export class InfraConfigError extends Error {
  override readonly name = "InfraConfigError";
  constructor(
    message: string,
    readonly code: InfraConfigErrorCode = "INVALID_CONFIG",
  ) {
    super(message);
  }
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
  const settings = settingsFor(stack, overrides ?? {});
  if (vault.namespace !== undefined && vault.cidr !== undefined) {
    throw new InfraConfigError(
      `${PROJECT}:vault: set vault.namespace (Vault in the cluster) or vault.cidr (outside), not both`,
    );
  }
  if (vault.cidr === undefined) vault.namespace ??= "vault";
  const plain = new URL(vault.address).protocol === "http:";
  if (plain && (!vault.plainHttp || stack === "prod")) {
    throw new InfraConfigError(
      stack === "prod"
        ? `${PROJECT}:vault.address: prod talks to Vault over TLS only; use an https:// address and put Vault's CA in the Secret ${vault.caSecretName} (key ca.crt)`
        : `${PROJECT}:vault.address: ${vault.address} is plain HTTP; use https:// (CA in the Secret ${vault.caSecretName}), or set vault.plainHttp: true for a dev Vault`,
      "VAULT_PLAIN_HTTP",
    );
  }
  if (
    stack === "prod" &&
    rest.kubernetes?.kubeconfig === undefined &&
    rest.kubernetes?.context === undefined
  ) {
    throw new InfraConfigError(
      `${PROJECT}:kubernetes: prod deploys only to a named cluster; set kubernetes.context (and kubernetes.kubeconfig if not the default file), e.g. pulumi config set --path kubernetes.context prod-cluster`,
      "KUBERNETES_PROVIDER_REQUIRED",
    );
  }
  const ing = rest.ingress;
  if (ing?.api === "gateway" && ing.gateway === undefined) {
    throw new InfraConfigError(
      `${PROJECT}:ingress.gateway: api gateway needs the Gateway to attach to ({ name, namespace })`,
    );
  }
  if (ing?.certManagerIssuer && ing.tlsSecretName === undefined) {
    throw new InfraConfigError(
      `${PROJECT}:ingress.tlsSecretName: cert-manager needs the Secret name to write the certificate to`,
    );
  }
  const port = Number(new URL(vault.address).port || (plain ? 80 : 443));
  const parts = imageParts(rest.image);
  const appVersion = parts?.tag ?? parts?.digest?.slice("sha256:".length, 19) ?? "unknown";
  return {
    ...rest,
    stack,
    settings,
    appVersion,
    vault: { ...vault, port },
    redis: parseRedis(redis, secrets, settings.redis.mode),
  };
}

function parseRedis(
  redis: Raw["redis"],
  secrets: { redisPassword?: () => pulumi.Output<string> },
  mode: StackSettings["redis"]["mode"],
): InfraConfig["redis"] {
  if (!redis.external) {
    return {
      external: false,
      image: redis.image,
      exporterImage: redis.exporterImage,
      passwordRotation: redis.passwordRotation ?? (mode === "single" ? "restart" : "reload"),
    };
  }
  if (redis.url === undefined || redis.egressCidr === undefined || !secrets.redisPassword) {
    throw new InfraConfigError(
      `${PROJECT}:redis: external Redis needs redis.url, redis.egressCidr and the secret ${PROJECT}:redisPassword (pulumi config set --secret redisPassword ...)`,
      "EXTERNAL_REDIS_INCOMPLETE",
    );
  }
  return {
    external: true,
    url: redis.url,
    egressCidr: redis.egressCidr,
    password: secrets.redisPassword(),
  };
}

const OBJECT_KEYS = [
  "ingress",
  "network",
  "vault",
  "redis",
  "monitoring",
  "settings",
  "kubernetes",
  "autoscaling",
] as const;
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
      "UNKNOWN_KEY",
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
