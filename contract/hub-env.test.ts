import { describe, expect, it } from "vitest";
import { HUB_ENV_NAMES, isHubEnvName, likelyTypoOf, unknownHubEnv } from "./hub-env.js";

describe("hub environment names", () => {
  it("knows every setting, secret and secret file", () => {
    for (const name of ["PORT", "INTERNAL_PORT", "MAX_CONNECTIONS", "API_KEY", "API_KEY_FILE"])
      expect(isHubEnvName(name), name).toBe(true);
    expect(new Set(HUB_ENV_NAMES).size).toBe(HUB_ENV_NAMES.length);
  });

  it("names the setting a typo was meant to be", () => {
    expect(likelyTypoOf("MAX_CONECTIONS")).toBe("MAX_CONNECTIONS");
    expect(likelyTypoOf("MAXCONNECTIONS")).toBe("MAX_CONNECTIONS");
    expect(likelyTypoOf("CONNECTIONS_MAX")).toBe("MAX_CONNECTIONS");
    expect(likelyTypoOf("HISTORY_SIZ")).toBe("HISTORY_SIZE");
    expect(likelyTypoOf("redis_url")).toBe("REDIS_URL");
    expect(likelyTypoOf("AUTH_JWT_SECRET_FIL")).toBe("AUTH_JWT_SECRET_FILE");
  });

  it("leaves known names and unrelated variables alone", () => {
    for (const name of [
      "MAX_CONNECTIONS",
      "PATH",
      "HOSTNAME",
      "KUBERNETES_SERVICE_PORT",
      "WSHUB_PORT",
      "NODE_OPTIONS",
      "REDIS_PORT",
      "HOME",
      // What Node base images set: NPM_VERSION is two edits from APP_VERSION.
      "NODE_VERSION",
      "NPM_VERSION",
      "YARN_VERSION",
    ])
      expect(likelyTypoOf(name), name).toBeUndefined();
  });

  it("lists the suspicious names of an environment with a hint", () => {
    expect(
      unknownHubEnv({
        PATH: "/bin",
        MAX_CONECTIONS: "5",
        REDIS_URL: "redis://x",
        DRAIN_SECOND: "1",
      }),
    ).toEqual([
      "DRAIN_SECOND (did you mean DRAIN_SECONDS?)",
      "MAX_CONECTIONS (did you mean MAX_CONNECTIONS?)",
    ]);
  });
});
