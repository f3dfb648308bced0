import { describe, expect, it } from "vitest";
import { describeFixtures, runFixture } from "../rule-fixtures.js";
import { noSecretInConfigMap } from "./no-secret-in-configmap.js";

describeFixtures(noSecretInConfigMap, "no-secret-in-configmap");

describe("wshub-no-secret-in-configmap", () => {
  it("names the key, not the value", () => {
    const findings = runFixture(noSecretInConfigMap, "no-secret-in-configmap.bad.yaml").findings;
    expect(findings.map((f) => f.message)).toEqual([
      "holds REDIS_PASSWORD as a literal value",
      "holds DATABASE_URL: a URL with a password in it",
      "holds DB_PASS as a literal value inside app.env",
    ]);
    expect(JSON.stringify(findings)).not.toMatch(/hunter2/);
  });
});
