import { describe, expect, it } from "vitest";
import { describeFixtures, runFixture } from "../rule-fixtures.js";
import { lsmProfiles } from "./lsm-profiles.js";

describeFixtures(lsmProfiles, "lsm-profiles");

describe("wshub-lsm-profiles", () => {
  it("names the AppArmor and SELinux settings that lift confinement", () => {
    const messages = runFixture(lsmProfiles, "lsm-profiles.bad.yaml").findings.map(
      (f) => f.message,
    );
    expect(messages).toEqual([
      "the pod sets SELinux type spc_t",
      'container "web" sets AppArmor profile Unconfined',
      'container "web" sets SELinux user system_u',
      'container "web" has AppArmor annotation unconfined',
    ]);
  });
});
