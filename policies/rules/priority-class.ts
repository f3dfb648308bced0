import { kindOf, str } from "../manifest-fields.js";
import { LONG_RUNNING_KINDS, podTemplateOf } from "../pod-template.js";
import { defineRule } from "../types.js";

export const priorityClass = defineRule({
  id: "wshub-priority-class",
  defaultSeverity: "advisory",
  title: "Long-running pods name a priorityClassName",
  rationale:
    "Without a priority class the hub is preempted or evicted under node pressure as readily as a batch job.",
  fix: "Create a PriorityClass for the service tier and set spec.priorityClassName on the pod template.",
  crossObject: false,
  check: (obj) => {
    if (!LONG_RUNNING_KINDS.has(kindOf(obj))) return [];
    const pod = podTemplateOf(obj);
    if (!pod || str(pod.spec.priorityClassName)) return [];
    return [{ message: "sets no priorityClassName", path: pod.path }];
  },
});
