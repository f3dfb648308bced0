// The Job that forms a Redis Cluster once its pods answer (bootstrap.sh, idempotent). It runs as
// the Redis service account, so it reads the same password file the Redis pods read.
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
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
  /** Named after the ConfigMap's content, so a changed script runs as a new Job. */
  jobName: pulumi.Input<string>;
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
  return new k8s.batch.v1.Job(
    name,
    {
      metadata: { name: a.jobName, namespace: a.namespace, labels },
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
