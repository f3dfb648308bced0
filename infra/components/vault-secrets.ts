// Secrets in Vault KV v2, the least-privilege policies and Kubernetes auth roles that read them,
// and the pod wiring that mounts them as files for the hub's and Redis' `*_FILE` settings.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";

/** Where both modes put secret files (the Vault Agent Injector's default directory). */
export const SECRETS_DIR = "/vault/secrets";

/** One secret file: its file name, the KV v2 secret (short name) and the key inside it. */
interface SecretFile {
  file: string;
  secret: "redis" | "auth";
  key: string;
}

const REDIS_PASSWORD: SecretFile = { file: "redis-password", secret: "redis", key: "password" };
const HUB_FILES: readonly SecretFile[] = [
  REDIS_PASSWORD,
  { file: "jwt-secret", secret: "auth", key: "jwtSecret" },
  { file: "api-key", secret: "auth", key: "apiKey" },
];

/** How a pod gets its secret files: annotations (agent) or volumes + mounts (operator). */
export interface SecretWiring {
  annotations: Record<string, string>;
  volumes: k8s.types.input.core.v1.Volume[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
  /** Absolute path of each file by file name. */
  files: Record<string, string>;
  /** The Vault role and KV objects the pods need before they start (explicit dependsOn). */
  dependsOn: pulumi.Resource[];
}

/** How pods reach Vault over TLS: the Secret (key `ca.crt`) with Vault's CA; absent = plain HTTP. */
export interface VaultTls {
  caSecretName: string;
  serverName?: string;
}

/** Where the agent and the operator read the CA (the injector mounts `tls-secret` at /vault/tls). */
export const VAULT_CA_PATH = "/vault/tls/ca.crt";
/** The projected token volume pods present to Vault (audience-bound, not an API token). */
export const VAULT_TOKEN_VOLUME = "vault-token";

export interface VaultSecretsArgs {
  stack: string;
  namespace: pulumi.Input<string>;
  mode: "agent" | "operator";
  /** Vault address as pods and the operator reach it. */
  address: string;
  kvMount: string;
  authMount: string;
  hubServiceAccount: string;
  /** The Redis pods' service account; absent for an external Redis. */
  redisServiceAccount?: string;
  /** A managed Redis' password (config secret); otherwise one is generated. */
  redisPassword?: pulumi.Input<string>;
  /** Bumping it generates a new Redis password (rotation). */
  redisPasswordGeneration: number;
  /** Redis reads its password once (restart rotation): an init-only agent, no sidecar. */
  redisReadsOnce: boolean;
  /** Vault's CA; absent only for an explicit plain-HTTP dev Vault. */
  tls?: VaultTls;
  /** The `aud` the roles require of service-account tokens. */
  audience: string;
}

/** KV v2 secrets, policies, Kubernetes auth roles and per-pod wiring for hub and Redis. */
export class VaultSecrets extends pulumi.ComponentResource {
  readonly hub: SecretWiring;
  readonly redis: SecretWiring | undefined;
  /** KV v2 logical paths (`wshub/<stack>/<name>`), for docs and tests. */
  readonly paths: Record<"redis" | "auth", string>;
  readonly hubRole: string;
  readonly redisRole: string | undefined;
  private connectionCreated = false;

  constructor(name: string, args: VaultSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wshub:infra:VaultSecrets", name, {}, opts);
    const parent = { parent: this };
    const password = (id: string, length: number, keepers?: Record<string, string>) =>
      new random.RandomPassword(
        id,
        { length, special: false, ...(keepers ? { keepers } : {}) },
        parent,
      ).result;

    const redisPassword =
      args.redisPassword ??
      password(`${name}-redis-password`, 32, { generation: String(args.redisPasswordGeneration) });
    this.paths = { redis: `wshub/${args.stack}/redis`, auth: `wshub/${args.stack}/auth` };
    const kv = (id: string, path: string, data: Record<string, pulumi.Input<string>>) =>
      new vault.kv.SecretV2(
        id,
        { mount: args.kvMount, name: path, dataJson: pulumi.secret(pulumi.jsonStringify(data)) },
        parent,
      );
    const redisKv = kv(`${name}-redis`, this.paths.redis, { password: redisPassword });
    const authKv = kv(`${name}-auth`, this.paths.auth, {
      jwtSecret: password(`${name}-jwt-secret`, 64),
      apiKey: password(`${name}-api-key`, 40),
    });

    this.hubRole = `wshub-${args.stack}-hub`;
    const hubRole = this.role(
      name,
      "hub",
      this.hubRole,
      args.hubServiceAccount,
      ["redis", "auth"],
      args,
    );
    this.hub = this.wiring(name, "hub", this.hubRole, args.hubServiceAccount, HUB_FILES, args, {
      readsOnce: false,
      dependsOn: [hubRole, redisKv, authKv],
    });

    if (args.redisServiceAccount === undefined) {
      this.redis = undefined;
      this.redisRole = undefined;
    } else {
      this.redisRole = `wshub-${args.stack}-redis`;
      const redisRole = this.role(
        name,
        "redis",
        this.redisRole,
        args.redisServiceAccount,
        ["redis"],
        args,
      );
      this.redis = this.wiring(
        name,
        "redis",
        this.redisRole,
        args.redisServiceAccount,
        [REDIS_PASSWORD],
        args,
        { readsOnce: args.redisReadsOnce, dependsOn: [redisRole, redisKv] },
      );
    }
    this.registerOutputs({ paths: this.paths, hubRole: this.hubRole, redisRole: this.redisRole });
  }

  /** The policy text granting read on exactly these secrets' data paths (KV v2). */
  static policyText(kvMount: string, paths: readonly string[]): string {
    return paths
      .map((p) => `path "${kvMount}/data/${p}" {\n  capabilities = ["read"]\n}\n`)
      .join("\n");
  }

  private role(
    name: string,
    who: string,
    roleName: string,
    serviceAccount: string,
    secrets: readonly ("redis" | "auth")[],
    args: VaultSecretsArgs,
  ): pulumi.Resource {
    const parent = { parent: this };
    const policy = new vault.Policy(
      `${name}-${who}-policy`,
      {
        name: roleName,
        policy: VaultSecrets.policyText(
          args.kvMount,
          secrets.map((s) => this.paths[s]),
        ),
      },
      parent,
    );
    return new vault.kubernetes.AuthBackendRole(
      `${name}-${who}-role`,
      {
        backend: args.authMount,
        roleName,
        boundServiceAccountNames: [serviceAccount],
        boundServiceAccountNamespaces: [args.namespace],
        tokenPolicies: [policy.name],
        // Only tokens minted for Vault log in, not a pod's Kubernetes API token.
        audience: args.audience,
        tokenTtl: 3600,
        tokenMaxTtl: 14400,
      },
      parent,
    );
  }

  private wiring(
    name: string,
    who: string,
    role: string,
    serviceAccount: string,
    files: readonly SecretFile[],
    args: VaultSecretsArgs,
    opts: { readsOnce: boolean; dependsOn: pulumi.Resource[] },
  ): SecretWiring {
    const paths = Object.fromEntries(files.map((f) => [f.file, `${SECRETS_DIR}/${f.file}`]));
    if (args.mode === "agent") {
      return {
        annotations: agentAnnotations(role, files, args, this.paths, opts.readsOnce),
        // Not mounted in the app containers: only the injected agent presents it to Vault.
        volumes: [
          {
            name: VAULT_TOKEN_VOLUME,
            projected: {
              sources: [
                {
                  serviceAccountToken: {
                    audience: args.audience,
                    expirationSeconds: 3600,
                    path: "token",
                  },
                },
              ],
            },
          },
        ],
        volumeMounts: [],
        files: paths,
        dependsOn: opts.dependsOn,
      };
    }
    const wiring = this.operatorWiring(name, who, role, serviceAccount, files, args, paths);
    return { ...wiring, dependsOn: [...opts.dependsOn, ...wiring.dependsOn] };
  }

  // Vault Secrets Operator: one VaultAuth per consumer, one VaultStaticSecret per KV secret it
  // needs, synced into Secrets that a projected volume mounts at the same paths as the agent.
  private operatorWiring(
    name: string,
    who: string,
    role: string,
    serviceAccount: string,
    files: readonly SecretFile[],
    args: VaultSecretsArgs,
    paths: Record<string, string>,
  ): SecretWiring {
    const parent = { parent: this };
    const created: pulumi.Resource[] = [];
    const crd = (id: string, kind: string, metaName: string, spec: Record<string, unknown>) =>
      new k8s.apiextensions.CustomResource(
        id,
        {
          apiVersion: "secrets.hashicorp.com/v1beta1",
          kind,
          metadata: { name: metaName, namespace: args.namespace },
          spec,
        },
        parent,
      );
    // One connection for every consumer in the namespace.
    const connection = "wshub-vault";
    if (!this.connectionCreated) {
      crd(`${name}-connection`, "VaultConnection", connection, {
        address: args.address,
        ...(args.tls ? { caCertSecretRef: args.tls.caSecretName } : {}),
        ...(args.tls?.serverName ? { tlsServerName: args.tls.serverName } : {}),
      });
      this.connectionCreated = true;
    }
    const auth = `wshub-${who}`;
    created.push(
      crd(`${name}-${who}-auth`, "VaultAuth", auth, {
        vaultConnectionRef: connection,
        method: "kubernetes",
        mount: args.authMount,
        kubernetes: { role, serviceAccount, audiences: [args.audience] },
      }),
    );
    const secrets = [...new Set(files.map((f) => f.secret))];
    for (const secret of secrets) {
      created.push(
        crd(`${name}-${who}-${secret}`, "VaultStaticSecret", `wshub-${who}-${secret}`, {
          vaultAuthRef: auth,
          mount: args.kvMount,
          type: "kv-v2",
          path: this.paths[secret],
          refreshAfter: "60s",
          destination: { name: `wshub-${who}-${secret}`, create: true },
        }),
      );
    }
    const sources = secrets.map((secret) => ({
      secret: {
        name: `wshub-${who}-${secret}`,
        items: files.filter((f) => f.secret === secret).map((f) => ({ key: f.key, path: f.file })),
      },
    }));
    // 0440: owned by root with the pod's fsGroup, so the non-root container reads via its group.
    return {
      annotations: {},
      volumes: [{ name: "vault-secrets", projected: { sources, defaultMode: 0o440 } }],
      volumeMounts: [{ name: "vault-secrets", mountPath: SECRETS_DIR, readOnly: true }],
      files: paths,
      // The pods mount the Secrets the VaultStaticSecrets sync.
      dependsOn: created,
    };
  }
}

// The injector renders each file from a template that prints one key, so a file holds only the
// value (no JSON). Pods that re-read files keep the agent as a sidecar so rotated values reach
// them; pods that read once get only the init agent.
function agentAnnotations(
  role: string,
  files: readonly SecretFile[],
  args: VaultSecretsArgs,
  paths: Record<"redis" | "auth", string>,
  readsOnce: boolean,
): Record<string, string> {
  const annotations: Record<string, string> = {
    "vault.hashicorp.com/agent-inject": "true",
    "vault.hashicorp.com/role": role,
    "vault.hashicorp.com/service": args.address,
    "vault.hashicorp.com/agent-service-account-token-volume-name": VAULT_TOKEN_VOLUME,
    ...(args.tls
      ? {
          "vault.hashicorp.com/tls-secret": args.tls.caSecretName,
          "vault.hashicorp.com/ca-cert": VAULT_CA_PATH,
          ...(args.tls.serverName
            ? { "vault.hashicorp.com/tls-server-name": args.tls.serverName }
            : {}),
        }
      : {}),
    ...(readsOnce ? { "vault.hashicorp.com/agent-pre-populate-only": "true" } : {}),
    "vault.hashicorp.com/auth-path": `auth/${args.authMount}`,
    "vault.hashicorp.com/agent-init-first": "true",
    "vault.hashicorp.com/agent-run-as-same-user": "true",
    "vault.hashicorp.com/agent-requests-cpu": "25m",
    "vault.hashicorp.com/agent-requests-mem": "32Mi",
    "vault.hashicorp.com/agent-limits-cpu": "100m",
    "vault.hashicorp.com/agent-limits-mem": "64Mi",
  };
  for (const f of files) {
    const path = `${args.kvMount}/data/${paths[f.secret]}`;
    annotations[`vault.hashicorp.com/agent-inject-secret-${f.file}`] = path;
    annotations[`vault.hashicorp.com/agent-inject-template-${f.file}`] =
      `{{- with secret "${path}" -}}{{ .Data.data.${f.key} }}{{- end -}}`;
    annotations[`vault.hashicorp.com/agent-inject-perms-${f.file}`] = "0400";
  }
  return annotations;
}
