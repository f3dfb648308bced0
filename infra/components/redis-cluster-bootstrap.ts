// The Job that forms a Redis Cluster once its pods answer (bootstrap.sh, idempotent). It runs as
// the Redis service account, so it reads the same password file the Redis pods read.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { contentHash } from "./content-hash.js";
import {
  containerSecurityContext,
  labelsFor,
  podSecurityContext,
  resourceRequirements,
  selectorFor,
} from "./pod.js";
import { REDIS_UID } from "./redis-pod.js";
import type { SecretWiring } from "./vault-secrets.js";

/** The `app.kubernetes.io/component` of the bootstrap pods: not selected as Redis pods. */
export const BOOTSTRAP_COMPONENT = "redis-bootstrap";

/** Labels that select the bootstrap Job's pods (the NetworkPolicies use them). */
export function bootstrapSelector(stack: string): Record<string, string> {
  return { ...selectorFor("redis", stack), "app.kubernetes.io/component": BOOTSTRAP_COMPONENT };
}

export interface ClusterBootstrapArgs {
  stack: string;
  namespace: pulumi.Input<string>;
  /** The Job is `<baseName>-bootstrap-<hash of its spec's inputs>`. */
  baseName: string;
  /** Content-named, so a changed script changes the Job's name too. */
  configMapName: pulumi.Input<string>;
  image: string;
  serviceAccountName: string;
  secrets: SecretWiring;
}

/** The bootstrap Job; it never blocks on the StatefulSet (whose pods are ready only once formed). */
export function clusterBootstrapJob(
  name: string,
  a: ClusterBootstrapArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.batch.v1.Job {
  const labels = {
    ...labelsFor("redis", a.stack),
    "app.kubernetes.io/component": BOOTSTRAP_COMPONENT,
  };
  const agent = Object.keys(a.secrets.annotations).length > 0;
  // A Job cannot change in place: every input of its spec is in its name, so a change is a new
  // Job (the script is idempotent) instead of a replace that collides on the name.
  const { annotations, volumes, volumeMounts } = a.secrets;
  const jobName = pulumi.output(a.configMapName).apply(
    (config) =>
      `${a.baseName}-bootstrap-${contentHash(
        JSON.stringify({
          config,
          image: a.image,
          serviceAccount: a.serviceAccountName,
          secrets: [annotations, volumes, volumeMounts],
        }),
      )}`,
  );
  return new k8s.batch.v1.Job(
    name,
    {
      metadata: { name: jobName, namespace: a.namespace, labels },
      spec: {
        // Each try waits up to 5 min for every pod; failed pods stay for their logs.
        backoffLimit: 4,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: {
            labels,
            annotations: {
              ...a.secrets.annotations,
              // The agent only fills the file before the script runs: a sidecar would keep the
              // Job's pod running after the script ended.
              ...(agent ? { "vault.hashicorp.com/agent-pre-populate-only": "true" } : {}),
            },
          },
          spec: {
            serviceAccountName: a.serviceAccountName,
            automountServiceAccountToken: false,
            restartPolicy: "Never",
            securityContext: podSecurityContext(REDIS_UID),
            containers: [
              {
                name: "bootstrap",
                image: a.image,
                command: ["sh", "/etc/redis/bootstrap.sh"],
                resources: resourceRequirements({
                  requests: { cpuMillis: 10, memoryMiB: 16 },
                  limits: { memoryMiB: 64 },
                }),
                securityContext: containerSecurityContext(REDIS_UID),
                volumeMounts: [
                  { name: "config", mountPath: "/etc/redis", readOnly: true },
                  ...a.secrets.volumeMounts,
                ],
              },
            ],
            volumes: [
              { name: "config", configMap: { name: a.configMapName, defaultMode: 0o444 } },
              ...a.secrets.volumes,
            ],
          },
        },
      },
    },
    opts,
  );
}
