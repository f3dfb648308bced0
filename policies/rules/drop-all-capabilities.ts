import { rec, strs } from "../manifest-fields.js";
import { containerSecurity, describeContainer, perContainer } from "../pod-template.js";
import { defineRule, type Violation } from "../types.js";

// The one capability the Pod Security "restricted" profile lets a container add back.
const ALLOWED_ADD = new Set(["NET_BIND_SERVICE"]);

export const dropAllCapabilities = defineRule({
  id: "wshub-drop-all-capabilities",
  defaultSeverity: "mandatory",
  title: "Containers drop ALL capabilities and add back none but NET_BIND_SERVICE",
  rationale:
    "Default capabilities (NET_RAW, CHOWN, SETUID...) give a compromised process tools it never needs.",
  fix: 'Set securityContext.capabilities.drop: ["ALL"] and remove capabilities.add entries.',
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (_pod, ref) => {
      const caps = rec(containerSecurity(ref, "capabilities"));
      const path = `${ref.path}.securityContext.capabilities`;
      const out: Violation[] = [];
      const drop = strs(caps?.drop);
      // Pod Security compares case-sensitively: "all" is admitted by the runtime but rejected
      // by the restricted profile, so the pod fails admission in an enforcing namespace.
      if (!drop.includes("ALL")) {
        const near = drop.find((c) => c.toUpperCase() === "ALL");
        out.push({
          message: near
            ? `${describeContainer(ref)} drops "${near}": Pod Security requires exactly "ALL"`
            : `${describeContainer(ref)} does not drop ALL capabilities`,
          path: near ? `${path}.drop[${drop.indexOf(near)}]` : path,
        });
      }
      const added = strs(caps?.add).filter((c) => !ALLOWED_ADD.has(c));
      if (added.length > 0) {
        out.push({
          message: `${describeContainer(ref)} adds capabilities ${added.join(", ")}`,
          path: `${path}.add`,
        });
      }
      return out;
    }),
});
