import { describe, expect, it } from "vitest";
import { describeFixtures, runFixture } from "../rule-fixtures.js";
import { noHostPort } from "./no-host-port.js";

describeFixtures(noHostPort, "no-host-port");

describe("wshub-no-host-port", () => {
  it("names the container and the port, ephemeral containers included", () => {
    const messages = runFixture(noHostPort, "no-host-port.bad.yaml").findings.map((f) => f.message);
    expect(messages).toEqual([
      'container "web" binds hostPort 8080',
      'ephemeralContainer "debug" binds hostPort 2222',
    ]);
  });
});
