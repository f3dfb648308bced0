import { parseLabelledRows, selectForRemoval } from "./cleanup-plan.js";
import { log, runChecked } from "./command.js";
import { isAlive } from "./lock.js";
import { TEST_LABEL, TEST_OWNER_LABEL } from "./names.js";

export interface CleanupOptions {
  /** Label whose value `true` marks test resources (default `wshub.test`). */
  label?: string;
  /** `orphans` (default) spares resources of other test runs still alive; `all` takes everything. */
  scope?: "all" | "orphans";
}

async function labelled(kind: "container" | "network", label: string) {
  const list = kind === "container" ? ["ps", "-a"] : ["network", "ls"];
  const format = `{{.ID}} {{.Label "${TEST_OWNER_LABEL}"}}`;
  const result = await runChecked(
    "docker",
    [...list, "--no-trunc", "--filter", `label=${label}=true`, "--format", format],
    { timeoutMs: 30_000 },
  );
  return parseLabelledRows(result.stdout);
}

/**
 * Removes labelled test containers (forced, with their anonymous volumes), then labelled
 * networks: what a crashed or interrupted test run left behind.
 */
export async function cleanupLabelled(
  options: CleanupOptions = {},
): Promise<{ containers: number; networks: number }> {
  const label = options.label ?? TEST_LABEL;
  const scope = options.scope ?? "orphans";
  const containers = selectForRemoval(
    await labelled("container", label),
    scope,
    process.pid,
    isAlive,
  );
  if (containers.length > 0) {
    await runChecked("docker", ["rm", "-f", "-v", ...containers], { timeoutMs: 120_000 });
  }
  const networks = selectForRemoval(await labelled("network", label), scope, process.pid, isAlive);
  if (networks.length > 0) {
    await runChecked("docker", ["network", "rm", ...networks], { timeoutMs: 60_000 });
  }
  if (containers.length + networks.length > 0) {
    log(`removed ${containers.length} labelled container(s) and ${networks.length} network(s)`);
  }
  return { containers: containers.length, networks: networks.length };
}
