import { str } from "../manifest-fields.js";
import { describeContainer, perContainer } from "../pod-template.js";
import { defineRule } from "../types.js";

/** The problem with an image reference, or undefined when it is pinned by tag or digest. */
export function imageProblem(image: string | undefined): string | undefined {
  if (image === undefined || image.trim() === "") return "has no image";
  if (image.includes("@")) return undefined;
  // A ':' before the last '/' is a registry port (registry:5000/app), not a tag.
  const lastPart = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastPart.lastIndexOf(":");
  if (colon < 0) return `uses untagged image "${image}" (pulls :latest)`;
  if (lastPart.slice(colon + 1) === "latest") return `uses image "${image}" with the :latest tag`;
  return undefined;
}

export const imageTag = defineRule({
  id: "wshub-image-tag",
  defaultSeverity: "mandatory",
  title: "Images are pinned by tag or digest, never :latest or untagged",
  rationale:
    ":latest makes a rollout and its rollback run unknown code and breaks reproducibility.",
  fix: "Reference the image by a version tag (wshub:1.4.2) or a digest (wshub@sha256:...).",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (_pod, ref) => {
      const problem = imageProblem(str(ref.container.image));
      return problem
        ? [{ message: `${describeContainer(ref)} ${problem}`, path: `${ref.path}.image` }]
        : [];
    }),
});
