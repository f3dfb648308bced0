import { describe, expect, it } from "vitest";
import {
  find,
  goodObjects,
  HUB_CONTAINER,
  runRule,
  runRuleOnAll,
  setPath,
} from "../sample-objects.js";
import { isSecretName, noLiteralSecretEnv } from "./no-literal-secret-env.js";

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
