import { describe, expect, it } from "vitest";
import { optionsFor } from "../options.js";
import {
  find,
  goodObjects,
  HUB_CONTAINER,
  HUB_POD,
  runRule,
  runRuleOnAll,
  setPath,
} from "../sample-objects.js";
import { gracePeriod } from "./grace-period.js";

describe("wshub-grace-period", () => {
  it("passes a hub pod whose grace period outlasts delay + drain + margin", () => {
    expect(runRuleOnAll(gracePeriod, goodObjects())).toEqual([]);
  });

  it("fails a hub pod killed before its own DRAIN_SECONDS end", () => {
    const hub = setPath(
      find(goodObjects(), "Deployment", "hub"),
      `${HUB_POD}.terminationGracePeriodSeconds`,
      35,
    );
    expect(runRule(gracePeriod, hub).map((v) => v.message)).toEqual([
      "terminationGracePeriodSeconds is 35 s but preStop + shutdown delay + drain + 5 s margin need more than 35 s",
    ]);
  });

  it("counts a preStop sleep and falls back to the stack's drain settings", () => {
    const hub = find(goodObjects(), "Deployment", "hub");
    setPath(hub, `${HUB_CONTAINER}.env`, []);
    setPath(hub, `${HUB_POD}.terminationGracePeriodSeconds`, undefined);
    // Labelled wshub, so still a hub pod: dev drains 10 s + 5 s delay + 5 s margin < 30 s default.
    expect(runRule(gracePeriod, hub, [hub], optionsFor("dev"))).toEqual([]);
    setPath(hub, `${HUB_CONTAINER}.lifecycle`, {
      preStop: { exec: { command: ["sh", "-c", "sleep 10"] } },
    });
    expect(runRule(gracePeriod, hub, [hub], optionsFor("dev"))[0]?.message).toMatch(
      /is 30 s .* more than 30 s/,
    );
  });

  it("ignores pods that do not run the hub", () => {
    const redis = setPath(
      find(goodObjects(), "StatefulSet", "redis"),
      `${HUB_POD}.terminationGracePeriodSeconds`,
      1,
    );
    expect(runRule(gracePeriod, redis)).toEqual([]);
  });
});
