import { indexedRecs, kindOf, rec, str, strs } from "../manifest-fields.js";
import { defineRule, type Violation } from "../types.js";

export const ingressTls = defineRule({
  id: "wshub-ingress-tls",
  defaultSeverity: "mandatory",
  title: "Every Ingress host is served over TLS",
  rationale:
    "Without TLS, tokens in the WebSocket handshake and every message cross the network in clear text.",
  fix: "Add spec.tls with the Ingress's hosts and a certificate Secret (cert-manager can issue it).",
  crossObject: false,
  check: (obj) => {
    if (kindOf(obj) !== "Ingress") return [];
    const spec = rec(obj.spec);
    const tls = indexedRecs(spec?.tls).map(([t]) => t);
    if (tls.length === 0)
      return [{ message: "has no spec.tls: served over plain HTTP", path: "spec" }];
    const covered = new Set(tls.flatMap((t) => strs(t.hosts)));
    return indexedRecs(spec?.rules).flatMap(([rule, i]): Violation[] => {
      const host = str(rule.host);
      if (host === undefined || covered.has(host)) return [];
      return [{ message: `host ${host} is not listed in spec.tls`, path: `spec.rules[${i}].host` }];
    });
  },
});
