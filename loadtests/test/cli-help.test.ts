import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Every command-line entry point of loadtests/ and the rig: --help and -h print the usage on
// stdout and exit 0 before starting anything; bad usage prints the usage and exits 2.
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const CLIS: Array<{ name: string; entry: string; bad: string[] }> = [
  { name: "npm run load", entry: "loadtests/driver/cli.ts", bad: ["--connections", "-5"] },
  { name: "npm run load:gate", entry: "loadtests/gate.ts", bad: ["--fast"] },
  { name: "npm run bench", entry: "loadtests/bench/peers.ts", bad: ["--only", "nope"] },
  { name: "npm run bench:hub", entry: "loadtests/bench/hub.ts", bad: ["--only", "raw"] },
  { name: "npm run k6", entry: "loadtests/k6-runtime/cli.ts", bad: ["--vus"] },
  { name: "npm run rig", entry: "chaos/rig/cli.ts", bad: ["-x"] },
  {
    name: "npm run load:gate:robustness",
    entry: "loadtests/gate-robustness.ts",
    bad: ["--busy-cores", "99"],
  },
  { name: "npm run load:report", entry: "loadtests/load-report.ts", bad: ["--nope"] },
];

function run(
  entry: string,
  args: string[],
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", entry, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe.each(CLIS)("$name", ({ entry, bad }) => {
  it.each([["--help"], ["-h"]])("answers %s with the usage on stdout and exit 0", async (flag) => {
    const { code, out, err } = await run(entry, [flag]);
    expect(out, err).toMatch(/^usage: /im);
    expect(code, err).toBe(0);
  });

  it("prints the usage and exits 2 on bad usage", async () => {
    const { code, out, err } = await run(entry, bad);
    expect(`${out}${err}`).toMatch(/usage: /i);
    expect(code, `${out}${err}`).toBe(2);
  });
});
