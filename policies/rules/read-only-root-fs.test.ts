import { describe, expect, it } from "vitest";
import { find, goodObjects, runRule, runRuleOnAll, setPath } from "../sample-objects.js";
import { readOnlyRootFs } from "./read-only-root-fs.js";

describe("wshub-read-only-root-fs", () => {
  it("passes containers with a read-only root filesystem", () => {
    expect(runRuleOnAll(readOnlyRootFs, goodObjects())).toEqual([]);
  });

  it("fails a CronJob container that writes its root filesystem", () => {
    const job = setPath(
      find(goodObjects(), "CronJob", "history-compact"),
      "spec.jobTemplate.spec.template.spec.containers.0.securityContext.readOnlyRootFilesystem",
      false,
    );
    expect(runRule(readOnlyRootFs, job)).toEqual([
      expect.objectContaining({
        message: 'container "compact" does not set readOnlyRootFilesystem: true',
        path: "spec.jobTemplate.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem",
      }),
    ]);
  });
});
