import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// Two real hub processes + Redis per run: the gate at a small scale, once with the repository's
// SLOs (must pass) and once with an SLO file no system can meet (must exit 99, as k6 does).
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "wshub-gate-"));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runGate(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "loadtests/gate.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGINT"), 150_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe("npm run load:gate", () => {
  it("passes against two hub nodes with the dev SLOs", async () => {
    const { code, out } = await runGate(["--quick", "--report-dir", join(scratch, "ok")]);
    expect(out).toMatch(/PASS/);
    expect(code, out).toBe(0);
  }, 180_000);

  it("fails a hub whose every delivery costs 20 ms of CPU, and shows when and why", async () => {
    const { code, out } = await runGate(["--quick", "--report-dir", join(scratch, "slow")], {
      GATE_HUB_IMPORT: join(ROOT, "loadtests/test/fixtures/slow-delivery.mjs"),
    });
    expect(out).toMatch(/FAIL\s+delivery_latency/);
    expect(out).toMatch(/fanout, per second:\nsecond\s+delivered\s+p99 ms\s+errors by code/);
    expect(out).toMatch(/hub warnings:/);
    expect(code, out).toBe(99);
  }, 180_000);

  it("exits 99 when the SLO file is impossible to meet", async () => {
    const slo = JSON.parse(readFileSync(join(ROOT, "contract/slo.json"), "utf8")) as {
      dev: Record<string, number>;
    };
    const impossible = { ...slo, dev: { ...slo.dev, connectTimeP95Ms: 0, deliveryP50Ms: 0 } };
    const path = join(scratch, "impossible-slo.json");
    writeFileSync(path, JSON.stringify(impossible));
    const { code, out } = await runGate([
      "--quick",
      "--slo",
      path,
      "--report-dir",
      join(scratch, "bad"),
    ]);
    expect(out).toMatch(/FAIL\s+ws_connecting\s+p\(95\)<0/);
    expect(code, out).toBe(99);
  }, 180_000);
});
