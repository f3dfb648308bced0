import { selectsAll } from "../label-selector.js";
import { kindOf, namespaceOf, rec, strs } from "../manifest-fields.js";
import { podTemplateOf } from "../pod-template.js";
import { defineRule, type K8sObject } from "../types.js";

type Direction = "Ingress" | "Egress";

/** The directions a NetworkPolicy denies by default for every pod of its namespace. */
function deniedDirections(policy: K8sObject): Direction[] {
  const spec = rec(policy.spec);
  if (!selectsAll(spec?.podSelector)) return [];
  const ingress = Array.isArray(spec?.ingress) ? spec.ingress : [];
  const egress = Array.isArray(spec?.egress) ? spec.egress : [];
  // Kubernetes: without policyTypes, Ingress always applies and Egress only when rules exist.
  const types = Array.isArray(spec?.policyTypes)
    ? strs(spec.policyTypes)
    : ["Ingress", ...(egress.length > 0 ? ["Egress"] : [])];
  const out: Direction[] = [];
  if (types.includes("Ingress") && ingress.length === 0) out.push("Ingress");
  if (types.includes("Egress") && egress.length === 0) out.push("Egress");
  return out;
}

export const defaultDenyNetworkPolicy = defineRule({
  id: "wshub-default-deny-network-policy",
  defaultSeverity: "mandatory",
  title: "Every namespace with workloads has a default-deny NetworkPolicy for ingress and egress",
  rationale:
    "Without it every pod can reach every other pod: one compromised pod reaches Redis and the API.",
  fix: "Add a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress] and no rules, then allow the needed flows.",
  crossObject: true,
  check: (obj, ctx) => {
    if (podTemplateOf(obj) === undefined) return [];
    const ns = namespaceOf(obj, ctx.options);
    const denied = new Set(
      ctx.objects
        .filter((o) => kindOf(o) === "NetworkPolicy" && namespaceOf(o, ctx.options) === ns)
        .flatMap(deniedDirections),
    );
    const missing = (["Ingress", "Egress"] as const).filter((d) => !denied.has(d));
    if (missing.length === 0) return [];
    return [
      {
        message: `namespace "${ns}" has no default-deny NetworkPolicy for ${missing.join(" and ")}`,
      },
    ];
  },
});
