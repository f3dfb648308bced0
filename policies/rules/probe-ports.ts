import { indexedRecs, num, rec, str } from "../manifest-fields.js";
import { describeContainer, perContainer } from "../pod-template.js";
import { defineRule, type Violation } from "../types.js";

const PROBES = ["readinessProbe", "livenessProbe", "startupProbe"] as const;
const PORT_HANDLERS = ["httpGet", "tcpSocket", "grpc"] as const;

export const probePorts = defineRule({
  id: "wshub-probe-ports",
  defaultSeverity: "mandatory",
  title: "Probes target a port the container declares",
  rationale:
    "A probe on an undeclared port (a renamed port, a typo) fails forever: the pod never gets ready or restarts in a loop.",
  fix: "Point the probe's port at a name or number listed in the container's ports.",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (_pod, ref) => {
      if (ref.init) return [];
      const ports = indexedRecs(ref.container.ports).map(([p]) => p);
      const names = new Set(ports.map((p) => str(p.name)).filter((n) => n !== undefined));
      const numbers = new Set(
        ports.map((p) => num(p.containerPort)).filter((n) => n !== undefined),
      );
      return PROBES.flatMap((probe): Violation[] => {
        const spec = rec(ref.container[probe]);
        return PORT_HANDLERS.flatMap((handler): Violation[] => {
          const port = rec(spec?.[handler])?.port;
          if (port === undefined) return [];
          const ok = typeof port === "string" ? names.has(port) : numbers.has(num(port) ?? -1);
          if (ok) return [];
          return [
            {
              message: `${describeContainer(ref)} ${probe} targets port ${String(port)}, which it does not declare`,
              path: `${ref.path}.${probe}.${handler}.port`,
            },
          ];
        });
      });
    }),
});
