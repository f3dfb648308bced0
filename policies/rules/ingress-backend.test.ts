import { describe, expect, it } from "vitest";
import { describeFixtures, runFixture } from "../rule-fixtures.js";
import { ingressBackend } from "./ingress-backend.js";

describeFixtures(ingressBackend, "ingress-backend");

describe("wshub-ingress-backend", () => {
  it("tells a missing Service from a missing port", () => {
    const messages = runFixture(ingressBackend, "ingress-backend.bad.yaml").findings.map(
      (f) => f.message,
    );
    expect(messages).toEqual([
      'backend Service "web" has no port https',
      'backend Service "api" is not in namespace shop',
    ]);
  });
});
