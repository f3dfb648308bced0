import { apiVersionOf, kindOf } from "../manifest-fields.js";
import { defineRule } from "../types.js";

export const hpaV2 = defineRule({
  id: "wshub-hpa-v2",
  defaultSeverity: "advisory",
  title: "HorizontalPodAutoscalers use autoscaling/v2",
  rationale:
    "Only v2 scales on memory and custom metrics (connections per pod) and has scale-down behavior; v2beta* are removed.",
  fix: "Write the HPA as apiVersion: autoscaling/v2 with spec.metrics and spec.behavior.",
  crossObject: false,
  check: (obj) => {
    if (kindOf(obj) !== "HorizontalPodAutoscaler") return [];
    const version = apiVersionOf(obj);
    return version === "autoscaling/v2"
      ? []
      : [{ message: `uses ${version || "no apiVersion"}, not autoscaling/v2`, path: "apiVersion" }];
  },
});
