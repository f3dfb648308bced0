import { kindOf, rec, str } from "../manifest-fields.js";
import { defineRule } from "../types.js";

const EXPOSED = new Set(["NodePort", "LoadBalancer"]);

export const serviceType = defineRule({
  id: "wshub-service-type",
  defaultSeverity: "mandatory",
  title: "Services stay inside the cluster: no NodePort or LoadBalancer",
  rationale:
    "NodePort opens a port on every node and LoadBalancer a public address, both around the Ingress's TLS and limits.",
  fix: "Use type ClusterIP behind the Ingress; waive with a reason for the one ingress controller Service.",
  crossObject: false,
  check: (obj) => {
    if (kindOf(obj) !== "Service") return [];
    const type = str(rec(obj.spec)?.type);
    if (type === undefined || !EXPOSED.has(type)) return [];
    return [{ message: `is type ${type}: reachable from outside the cluster`, path: "spec.type" }];
  },
});
