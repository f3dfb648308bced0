// Finds promtool (Prometheus' rule checker) or installs Debian's `prometheus` package that ships
// it, so the alert rules' unit tests run on a fresh CI machine as on a developer's.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** promtool is missing and cannot be installed here; the message says what to install. */
export class PromtoolError extends Error {
  override readonly name = "PromtoolError";
  constructor(
    readonly code: "PROMTOOL_UNAVAILABLE" | "PROMTOOL_INSTALL_FAILED",
    message: string,
  ) {
    super(message);
  }
}

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
// apt waits this long for another installer's dpkg lock instead of failing at once.
const APT_LOCK = ["-o", "DPkg::Lock::Timeout=300"];

function which(cmd: string): string | undefined {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8", timeout: 5_000 });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : undefined;
}

function apt(args: string[]): { ok: boolean; output: string } {
  const r = spawnSync("apt-get", [...APT_LOCK, ...args], {
    encoding: "utf8",
    env: APT_ENV,
    timeout: 10 * 60_000,
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}`.slice(-2000) };
}

/** The path of promtool, installing Debian's `prometheus` package (as root) when it is missing. */
export function ensurePromtool(): string {
  const found = which("promtool");
  if (found) return found;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!existsSync("/etc/debian_version") || !isRoot) {
    throw new PromtoolError(
      "PROMTOOL_UNAVAILABLE",
      "promtool is not on PATH: install Prometheus' promtool (Debian: `apt-get install -y prometheus`, as root) and run the infra tests again",
    );
  }
  const pkg = ["install", "-y", "--no-install-recommends", "prometheus"];
  let r = apt(pkg);
  if (!r.ok) {
    // A fresh machine has no package lists yet.
    apt(["update"]);
    r = apt(pkg);
  }
  const installed = which("promtool");
  if (!r.ok || !installed) {
    throw new PromtoolError(
      "PROMTOOL_INSTALL_FAILED",
      `apt-get install prometheus did not provide promtool; apt said:\n${r.output}`,
    );
  }
  return installed;
}

/** promtool's verdict on a rule file and its unit tests. */
export interface PromtoolResult {
  ok: boolean;
  output: string;
}

/**
 * Writes `rules` (the `groups` of a rule file) and `tests` (a promtool test file's `tests`) to a
 * temp dir and runs `promtool check rules` then `promtool test rules`.
 */
export async function promtoolTest(rules: unknown, tests: unknown[]): Promise<PromtoolResult> {
  const { mkdtemp, rm, writeFile } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { stringify } = await import("yaml");
  const bin = process.env.WSHUB_PROMTOOL ?? ensurePromtool();
  const dir = await mkdtemp(join(tmpdir(), "wshub-promtool-"));
  try {
    await writeFile(join(dir, "rules.yaml"), stringify({ groups: rules }, { lineWidth: 0 }));
    await writeFile(
      join(dir, "tests.yaml"),
      stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests }, { lineWidth: 0 }),
    );
    let output = "";
    for (const args of [
      ["check", "rules", "rules.yaml"],
      ["test", "rules", "tests.yaml"],
    ]) {
      const r = spawnSync(bin, args, { cwd: dir, encoding: "utf8", timeout: 60_000 });
      output += `${r.stdout ?? ""}${r.stderr ?? ""}`;
      if (r.status !== 0) return { ok: false, output };
    }
    return { ok: true, output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
