import { indexedRecs, kindOf, nameOf, namespaceOf, num, rec, str } from "../manifest-fields.js";
import { defineRule, type K8sObject, type Violation } from "../types.js";

/** The backends of an Ingress with their paths: the default backend, then every rule path. */
function backendsOf(ingress: K8sObject): { backend: Record<string, unknown>; path: string }[] {
  const spec = rec(ingress.spec);
  const out: { backend: Record<string, unknown>; path: string }[] = [];
  const fallback = rec(spec?.defaultBackend);
  if (fallback) out.push({ backend: fallback, path: "spec.defaultBackend" });
  for (const [rule, r] of indexedRecs(spec?.rules)) {
    for (const [p, i] of indexedRecs(rec(rule.http)?.paths)) {
      const backend = rec(p.backend);
      if (backend) out.push({ backend, path: `spec.rules[${r}].http.paths[${i}].backend` });
    }
  }
  return out;
}

export const ingressBackend = defineRule({
  id: "wshub-ingress-backend",
  defaultSeverity: "mandatory",
  title: "Every Ingress backend names a Service in the set and one of its ports",
  rationale:
    "A backend naming a missing Service or port answers every request with 503 and no event says why.",
  fix: "Point backend.service.name at a Service in the Ingress's namespace and port.name/number at one of its ports.",
  crossObject: true,
  check: (obj, ctx) => {
    if (kindOf(obj) !== "Ingress") return [];
    const ns = namespaceOf(obj, ctx.options);
    return backendsOf(obj).flatMap(({ backend, path }): Violation[] => {
      const service = rec(backend.service);
      // Resource backends (a bucket, a CRD) are not Services.
      if (service === undefined) return [];
      const name = str(service.name) ?? "";
      const target = ctx.objects.find(
        (o) => kindOf(o) === "Service" && nameOf(o) === name && namespaceOf(o, ctx.options) === ns,
      );
      if (!target) {
        return [
          {
            message: `backend Service "${name}" is not in namespace ${ns}`,
            path: `${path}.service.name`,
          },
        ];
      }
      const port = rec(service.port);
      const portName = str(port?.name);
      const portNumber = num(port?.number);
      const ports = indexedRecs(rec(target.spec)?.ports).map(([p]) => p);
      const found = ports.some((p) =>
        portName !== undefined ? str(p.name) === portName : num(p.port) === portNumber,
      );
      if (found || (portName === undefined && portNumber === undefined)) return [];
      return [
        {
          message: `backend Service "${name}" has no port ${portName ?? portNumber}`,
          path: `${path}.service.port`,
        },
      ];
    });
  },
});
