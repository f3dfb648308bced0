import { log, runChecked } from "./command.js";
import { TEST_LABEL } from "./names.js";

function ids(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/**
 * Removes every container (forced, with its anonymous volumes) and then every network labelled
 * `wshub.test=true` (or `label=true`): what a crashed or interrupted test run left behind.
 */
export async function cleanupLabelled(
  label: string = TEST_LABEL,
): Promise<{ containers: number; networks: number }> {
  const FILTER = `label=${label}=true`;
  const containers = ids(
    (await runChecked("docker", ["ps", "-aq", "--filter", FILTER], { timeoutMs: 30_000 })).stdout,
  );
  if (containers.length > 0) {
    await runChecked("docker", ["rm", "-f", "-v", ...containers], { timeoutMs: 120_000 });
  }
  const networks = ids(
    (await runChecked("docker", ["network", "ls", "-q", "--filter", FILTER], { timeoutMs: 30_000 }))
      .stdout,
  );
  if (networks.length > 0) {
    await runChecked("docker", ["network", "rm", ...networks], { timeoutMs: 60_000 });
  }
  if (containers.length + networks.length > 0) {
    log(`removed ${containers.length} labelled container(s) and ${networks.length} network(s)`);
  }
  return { containers: containers.length, networks: networks.length };
}
