import { describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "./args.js";

const URL = "ws://127.0.0.1:8080/v1/ws";

describe("parseArgs", () => {
  it("applies the scenario's defaults and collects repeated --url", () => {
    const args = parseArgs([
      "--scenario",
      "fanout",
      "--url",
      URL,
      `--url=${URL.replace("8080", "8081")}`,
    ]);
    expect(args.urls).toHaveLength(2);
    expect(args).toMatchObject({
      scenario: "fanout",
      stack: "dev",
      connections: 500,
      rate: 20,
      channel: "load:fanout",
    });
  });

  it("reads numbers, the SLO path and the report paths", () => {
    const args = parseArgs([
      "--scenario=soak",
      `--url=${URL}`,
      "--metrics-url=http://127.0.0.1:9091/metrics",
      "--connections=50",
      "--duration=3",
      "--rate=5",
      "--slo=/tmp/x.json",
      "--summary=out/s.json",
      "--quiet",
    ]);
    expect(args).toMatchObject({
      connections: 50,
      durationSeconds: 3,
      rate: 5,
      slo: "/tmp/x.json",
      summary: "out/s.json",
      quiet: true,
      metricsUrls: ["http://127.0.0.1:9091/metrics"],
    });
  });

  it("asks soak for the nodes' internal metrics URLs", () => {
    expect(() => parseArgs(["--scenario=soak", `--url=${URL}`])).toThrow(/--metrics-url/);
    expect(() =>
      parseArgs(["--scenario=soak", `--url=${URL}`, "--metrics-url=ws://127.0.0.1:1/x"]),
    ).toThrow(/http:\/\/ URL of a node's internal port/);
  });

  it.each([
    [["--url", URL], /--scenario must be one of/],
    [["--scenario", "fanout"], /at least one --url/],
    [["--scenario", "fanout", "--url", "http://x/"], /ws:\/\/ URL/],
    [
      ["--scenario", "fanout", "--url", URL, "--connections", "0"],
      /--connections must be a number from 1/,
    ],
    [["--scenario", "fanout", "--url", URL, "--rate", "0"], /--rate must be above 0/],
    [["--scenario", "fanout", "--url", URL, "--bogus", "1"], /unknown option --bogus/],
    [["--scenario", "fanout", "--url"], /--url needs a value/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
