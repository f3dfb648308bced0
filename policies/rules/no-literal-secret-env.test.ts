import { describe, expect, it } from "vitest";
import { describeFixtures, runFixture } from "../rule-fixtures.js";
import {
  find,
  goodObjects,
  HUB_CONTAINER,
  runRule,
  runRuleOnAll,
  setPath,
} from "../sample-objects.js";
import { isSecretName } from "../secret-text.js";
import { noLiteralSecretEnv } from "./no-literal-secret-env.js";

describe("wshub-no-literal-secret-env", () => {
  it("passes secrets from secretKeyRef, *_FILE paths and public keys", () => {
    expect(runRuleOnAll(noLiteralSecretEnv, goodObjects())).toEqual([]);
  });

  it("recognises secret names by word, not by substring", () => {
    for (const name of [
      "REDIS_PASSWORD",
      "API_KEY",
      "AUTH_JWT_SECRET",
      "github-token",
      "AWS_SECRET_ACCESS_KEY",
    ]) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of [
      "API_KEY_FILE",
      "AUTH_JWT_PUBLIC_KEY",
      "MAX_TOKENS",
      "TOKEN_TTL_SECONDS",
      "MONKEY",
      "LOG_LEVEL",
    ]) {
      expect(isSecretName(name), name).toBe(false);
    }
  });

  it("fails a literal secret value and a secret read from a ConfigMap", () => {
    const hub = setPath(find(goodObjects(), "Deployment", "hub"), `${HUB_CONTAINER}.env`, [
      { name: "API_KEY", value: "s3cr3t" },
      {
        name: "REDIS_PASSWORD",
        valueFrom: { configMapKeyRef: { name: "redis", key: "password" } },
      },
      { name: "LOG_LEVEL", value: "info" },
    ]);
    expect(runRule(noLiteralSecretEnv, hub).map((v) => v.message)).toEqual([
      'container "hub" sets API_KEY as a literal value',
      'container "hub" reads REDIS_PASSWORD from a ConfigMap, which is not secret',
    ]);
  });
});

describeFixtures(noLiteralSecretEnv, "no-literal-secret-env");

describe("wshub-no-literal-secret-env, the cases word matching missed", () => {
  it("flags DB_PASS, URL passwords and secret values in *_NAME variables, never echoing them", () => {
    const findings = runFixture(noLiteralSecretEnv, "no-literal-secret-env.bad.yaml").findings;
    expect(findings.map((f) => f.message)).toEqual([
      'container "api" sets DB_PASS as a literal value',
      'container "api" sets DATABASE_URL to a URL with a password in it',
      'container "api" sets REDIS_TOKEN_NAME as a literal value',
    ]);
    expect(JSON.stringify(findings)).not.toMatch(/hunter2|s3cr3t|Zx9/);
  });
});
