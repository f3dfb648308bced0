// Strict schemas for the custom resources infra/ emits, written from the CRDs' documented
// fields (Prometheus Operator monitoring.coreos.com/v1, Vault Secrets Operator
// secrets.hashicorp.com/v1beta1). Strict objects reject unknown fields (typos).
import { z } from "zod";

const metadata = z.strictObject({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/),
  namespace: z.string().min(1),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const duration = z.string().regex(/^(\d+(ms|s|m|h))+$/);
const object = <T extends z.ZodRawShape>(apiVersion: string, kind: string, spec: T) =>
  z.strictObject({
    apiVersion: z.literal(apiVersion),
    kind: z.literal(kind),
    metadata,
    spec: z.strictObject(spec),
  });
const labelSelector = z.strictObject({ matchLabels: z.record(z.string(), z.string()) });

const serviceMonitor = object("monitoring.coreos.com/v1", "ServiceMonitor", {
  selector: labelSelector,
  namespaceSelector: z.strictObject({ matchNames: z.array(z.string()).min(1) }).optional(),
  endpoints: z
    .array(
      z.strictObject({
        port: z.string().min(1),
        path: z.string().startsWith("/").optional(),
        interval: duration.optional(),
        scrapeTimeout: duration.optional(),
      }),
    )
    .min(1),
});

const prometheusRule = object("monitoring.coreos.com/v1", "PrometheusRule", {
  groups: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        interval: duration.optional(),
        rules: z
          .array(
            z.strictObject({
              alert: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
              expr: z.string().min(1),
              for: duration.optional(),
              labels: z.record(z.string(), z.string()).optional(),
              annotations: z.record(z.string(), z.string()).optional(),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});

const vsoVersion = "secrets.hashicorp.com/v1beta1";
const vaultConnection = object(vsoVersion, "VaultConnection", {
  address: z.url(),
  skipTLSVerify: z.boolean().optional(),
  caCertSecretRef: z.string().optional(),
  tlsServerName: z.string().optional(),
});
const vaultAuth = object(vsoVersion, "VaultAuth", {
  vaultConnectionRef: z.string().min(1),
  method: z.enum(["kubernetes", "jwt", "appRole", "aws", "gcp"]),
  mount: z.string().min(1),
  kubernetes: z.strictObject({
    role: z.string().min(1),
    serviceAccount: z.string().min(1),
    audiences: z.array(z.string()).optional(),
    tokenExpirationSeconds: z.int().min(600).optional(),
  }),
});
const vaultStaticSecret = object(vsoVersion, "VaultStaticSecret", {
  vaultAuthRef: z.string().min(1),
  mount: z.string().min(1),
  type: z.enum(["kv-v1", "kv-v2"]),
  path: z.string().min(1),
  version: z.int().optional(),
  refreshAfter: duration.optional(),
  destination: z.strictObject({
    name: z.string().min(1),
    create: z.boolean().optional(),
    overwrite: z.boolean().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    type: z.string().optional(),
  }),
});

// Gateway API (gateway.networking.k8s.io/v1), cert-manager (cert-manager.io/v1), KEDA
// (keda.sh/v1alpha1): only the fields infra emits.
const httpRoute = object("gateway.networking.k8s.io/v1", "HTTPRoute", {
  parentRefs: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        namespace: z.string().min(1).optional(),
        sectionName: z.string().min(1).optional(),
      }),
    )
    .min(1),
  hostnames: z.array(z.string().min(1)).optional(),
  rules: z
    .array(
      z.strictObject({
        matches: z
          .array(
            z.strictObject({
              path: z.strictObject({
                type: z.enum(["Exact", "PathPrefix", "RegularExpression"]),
                value: z.string().startsWith("/"),
              }),
            }),
          )
          .min(1),
        backendRefs: z
          .array(z.strictObject({ name: z.string().min(1), port: z.int().min(1).max(65535) }))
          .min(1),
      }),
    )
    .min(1),
});
const certificate = object("cert-manager.io/v1", "Certificate", {
  secretName: z.string().min(1),
  dnsNames: z.array(z.string().min(1)).min(1),
  issuerRef: z.strictObject({
    name: z.string().min(1),
    kind: z.enum(["Issuer", "ClusterIssuer"]),
    group: z.literal("cert-manager.io"),
  }),
});
const scalingPolicy = z.strictObject({
  type: z.enum(["Pods", "Percent"]),
  value: z.int().min(1),
  periodSeconds: z.int().min(1),
});
const scalingRules = z.strictObject({
  stabilizationWindowSeconds: z.int().min(0).optional(),
  selectPolicy: z.enum(["Max", "Min", "Disabled"]).optional(),
  policies: z.array(scalingPolicy).optional(),
});
const scaledObject = object("keda.sh/v1alpha1", "ScaledObject", {
  scaleTargetRef: z.strictObject({
    apiVersion: z.string().optional(),
    kind: z.string().optional(),
    name: z.string().min(1),
  }),
  minReplicaCount: z.int().min(0).optional(),
  maxReplicaCount: z.int().min(1).optional(),
  advanced: z
    .strictObject({
      horizontalPodAutoscalerConfig: z.strictObject({
        behavior: z.strictObject({ scaleUp: scalingRules, scaleDown: scalingRules }).partial(),
      }),
    })
    .optional(),
  triggers: z
    .array(
      z.strictObject({
        type: z.string().min(1),
        metricType: z.enum(["Utilization", "AverageValue", "Value"]).optional(),
        metadata: z.record(z.string(), z.string()),
      }),
    )
    .min(1),
});

/** Schemas by `apiVersion/kind`. */
export const CUSTOM_RESOURCE_SCHEMAS: Record<string, z.ZodType> = {
  "monitoring.coreos.com/v1/ServiceMonitor": serviceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": prometheusRule,
  [`${vsoVersion}/VaultConnection`]: vaultConnection,
  [`${vsoVersion}/VaultAuth`]: vaultAuth,
  [`${vsoVersion}/VaultStaticSecret`]: vaultStaticSecret,
  "gateway.networking.k8s.io/v1/HTTPRoute": httpRoute,
  "cert-manager.io/v1/Certificate": certificate,
  "keda.sh/v1alpha1/ScaledObject": scaledObject,
};
