import { indexedRecs, num } from "../manifest-fields.js";
import { describeContainer, perContainer } from "../pod-template.js";
import { defineRule, type Violation } from "../types.js";

export const noHostPort = defineRule({
  id: "wshub-no-host-port",
  defaultSeverity: "mandatory",
  title: "Containers bind no hostPort",
  rationale:
    "A hostPort opens the port on the node's address, bypassing Services and NetworkPolicies, and caps one pod per node.",
  fix: "Remove ports[].hostPort; expose the port through a Service (and an Ingress) instead.",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (_pod, ref) =>
      indexedRecs(ref.container.ports).flatMap(([port, i]): Violation[] => {
        const hostPort = num(port.hostPort);
        // 0 is the API's "unset".
        if (hostPort === undefined || hostPort === 0) return [];
        return [
          {
            message: `${describeContainer(ref)} binds hostPort ${hostPort}`,
            path: `${ref.path}.ports[${i}].hostPort`,
          },
        ];
      }),
    ),
});
