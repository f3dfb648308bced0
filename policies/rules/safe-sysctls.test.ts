import { describe, expect, it } from "vitest";
import { describeFixtures, runFixture } from "../rule-fixtures.js";
import { safeSysctls } from "./safe-sysctls.js";

describeFixtures(safeSysctls, "safe-sysctls");

describe("wshub-safe-sysctls", () => {
  it("names each unsafe sysctl", () => {
    const messages = runFixture(safeSysctls, "safe-sysctls.bad.yaml").findings.map(
      (f) => f.message,
    );
    expect(messages).toEqual([
      "sets unsafe sysctl net.core.somaxconn",
      "sets unsafe sysctl kernel.msgmax",
    ]);
  });
});
