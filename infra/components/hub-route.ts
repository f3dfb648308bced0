// How clients reach the hub: an Ingress or a Gateway API HTTPRoute that carries only the
// WebSocket path (and, when enabled, the publish API), never `/`, plus an optional cert-manager
// Certificate for the TLS Secret.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { HUB_PUBLISH_PATH, HUB_WS_PATH } from "../../contract/index.js";

export interface HubRouteArgs {
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  /** The hub Service and its public port (name for the Ingress, number for the HTTPRoute). */
  service: string;
  port: string;
  portNumber: number;
  host: string;
  api: "ingress" | "gateway";
  className: string;
  gateway?: { name: string; namespace: string; sectionName?: string };
  tlsSecretName?: string;
  certManagerIssuer?: { name: string; kind: "Issuer" | "ClusterIssuer" };
  publishApi: boolean;
  timeoutSeconds: number;
}

/** The public paths for these args: `/v1/ws`, plus `/v1/publish` when the API is routed. */
export function publicPaths(publishApi: boolean): string[] {
  return publishApi ? [HUB_WS_PATH, HUB_PUBLISH_PATH] : [HUB_WS_PATH];
}

/** The hub's public route (Ingress or HTTPRoute) and its certificate. */
export class HubRoute extends pulumi.ComponentResource {
  constructor(name: string, args: HubRouteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wshub:infra:HubRoute", name, {}, opts);
    const parent = { parent: this };
    const meta = { name: args.service, namespace: args.namespace, labels: args.labels };
    const paths = publicPaths(args.publishApi);
    if (args.certManagerIssuer && args.tlsSecretName) {
      new k8s.apiextensions.CustomResource(
        `${name}-certificate`,
        {
          apiVersion: "cert-manager.io/v1",
          kind: "Certificate",
          metadata: meta,
          spec: {
            secretName: args.tlsSecretName,
            dnsNames: [args.host],
            issuerRef: { ...args.certManagerIssuer, group: "cert-manager.io" },
          },
        },
        parent,
      );
    }
    if (args.api === "gateway") {
      const g = args.gateway;
      if (!g) throw new Error("HubRoute: api gateway needs args.gateway");
      new k8s.apiextensions.CustomResource(
        `${name}-httproute`,
        {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          metadata: meta,
          spec: {
            parentRefs: [
              {
                name: g.name,
                namespace: g.namespace,
                ...(g.sectionName ? { sectionName: g.sectionName } : {}),
              },
            ],
            hostnames: [args.host],
            rules: [
              {
                matches: paths.map((value) => ({ path: { type: "Exact", value } })),
                backendRefs: [{ name: args.service, port: args.portNumber }],
              },
            ],
          },
        },
        parent,
      );
      this.registerOutputs({});
      return;
    }
    const timeout = String(args.timeoutSeconds);
    new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: {
          ...meta,
          annotations: {
            // WebSockets are long-lived: the default 60 s idle timeout would cut them.
            "nginx.ingress.kubernetes.io/proxy-read-timeout": timeout,
            "nginx.ingress.kubernetes.io/proxy-send-timeout": timeout,
          },
        },
        spec: {
          ingressClassName: args.className,
          ...(args.tlsSecretName
            ? { tls: [{ hosts: [args.host], secretName: args.tlsSecretName }] }
            : {}),
          rules: [
            {
              host: args.host,
              http: {
                paths: paths.map((path) => ({
                  path,
                  pathType: "Exact",
                  backend: { service: { name: args.service, port: { name: args.port } } },
                })),
              },
            },
          ],
        },
      },
      parent,
    );
    this.registerOutputs({});
  }
}
