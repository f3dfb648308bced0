import { containerSecurity, describeContainer, perContainer } from "../pod-template.js";
import { defineRule } from "../types.js";

export const readOnlyRootFs = defineRule({
  id: "wshub-read-only-root-fs",
  defaultSeverity: "mandatory",
  title: "Containers have a read-only root filesystem",
  rationale: "An attacker who gets in cannot drop tools or alter the image's binaries.",
  fix: "Set securityContext.readOnlyRootFilesystem: true; mount an emptyDir where the app writes.",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (_pod, ref) =>
      containerSecurity(ref, "readOnlyRootFilesystem") === true
        ? []
        : [
            {
              message: `${describeContainer(ref)} does not set readOnlyRootFilesystem: true`,
              path: `${ref.path}.securityContext.readOnlyRootFilesystem`,
            },
          ],
    ),
});
