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

/** Schemas by `apiVersion/kind`. */
export const CUSTOM_RESOURCE_SCHEMAS: Record<string, z.ZodType> = {
  "monitoring.coreos.com/v1/ServiceMonitor": serviceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": prometheusRule,
  [`${vsoVersion}/VaultConnection`]: vaultConnection,
  [`${vsoVersion}/VaultAuth`]: vaultAuth,
  [`${vsoVersion}/VaultStaticSecret`]: vaultStaticSecret,
};
