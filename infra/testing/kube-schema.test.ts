import { describe, expect, it } from "vitest";
import type { KubeObject } from "../render.js";
import type { Json } from "./components.js";
import { unknownFields, validateKubeObject } from "./kube-schema.js";

const deployment = (): KubeObject & Json => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "ns", labels: { app: "web" } },
  spec: {
    selector: { matchLabels: { app: "web" } },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: "25%" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: [
          {
            name: "web",
            image: "nginx:1.27",
            readinessProbe: { httpGet: { path: "/", port: "http" } },
            resources: { limits: { memory: "64Mi" } },
          },
        ],
      },
    },
  },
});

describe("validateKubeObject", () => {
  it("accepts a valid built-in object", () => {
    expect(validateKubeObject(deployment())).toEqual([]);
  });

  it("reports unknown fields at any depth (typos validate() lets through)", () => {
    const d = deployment();
    d.spec.minReadySecond = 5;
    d.spec.template.spec.containers[0].readinesProbe = {};
    d.spec.template.spec.containers[0].readinessProbe.httpGet.paht = "/";
    expect(validateKubeObject(d).sort()).toEqual(
      [
        "Deployment/web: unknown field spec.minReadySecond",
        "Deployment/web: unknown field spec.template.spec.containers[0].readinessProbe.httpGet.paht",
        "Deployment/web: unknown field spec.template.spec.containers[0].readinesProbe",
      ].sort(),
    );
  });

  it("does not treat map keys (labels, resources) as fields", () => {
    expect(
      unknownFields({ labels: { anything: "x" } }, "IIoK8sApimachineryPkgApisMetaV1ObjectMeta"),
    ).toEqual([]);
  });

  it("reports type errors and missing required fields from the schema", () => {
    const d = deployment();
    d.spec.replicas = "three";
    delete d.spec.selector;
    const problems = validateKubeObject(d).join("\n");
    expect(problems).toMatch(/replicas/);
    expect(problems).toMatch(/selector/);
  });

  it("validates custom resources strictly and refuses unknown kinds", () => {
    const sm = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "x", namespace: "ns" },
      spec: {
        selector: { matchLabels: { a: "b" } },
        endpoints: [{ port: "http", intervall: "15s" }],
      },
    };
    expect(validateKubeObject(sm).join("\n")).toMatch(/intervall/);
    expect(
      validateKubeObject({ apiVersion: "example.com/v1", kind: "Thing", metadata: { name: "t" } }),
    ).toEqual(["Thing/t: no schema for example.com/v1 Thing"]);
  });
});
