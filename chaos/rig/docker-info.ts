/** What the rig needs to know from `docker info --format '{{json .}}'`. */
export type EngineStatus =
  | { answered: true; serverVersion: string; operatingSystem: string }
  | { answered: false; reason: string };

/**
 * Reads the output of `docker info --format '{{json .}}'`. The CLI prints a JSON document even
 * when no daemon answers (with an empty ServerVersion), so the exit code alone is not enough.
 */
export function parseDockerInfo(
  exitCode: number | null,
  stdout: string,
  stderr: string,
): EngineStatus {
  const reason =
    stderr.trim().split("\n")[0] || `docker info exited with ${exitCode ?? "an error"}`;
  let info: unknown;
  try {
    info = JSON.parse(stdout.trim() || "null");
  } catch {
    return { answered: false, reason: exitCode === 0 ? "docker info printed no JSON" : reason };
  }
  if (typeof info !== "object" || info === null) return { answered: false, reason };
  const fields = info as Record<string, unknown>;
  const serverErrors = Array.isArray(fields.ServerErrors) ? fields.ServerErrors.map(String) : [];
  const serverVersion = typeof fields.ServerVersion === "string" ? fields.ServerVersion : "";
  if (exitCode !== 0 || serverVersion === "" || serverErrors.length > 0) {
    return { answered: false, reason: serverErrors[0] ?? reason };
  }
  const operatingSystem = typeof fields.OperatingSystem === "string" ? fields.OperatingSystem : "";
  return { answered: true, serverVersion, operatingSystem };
}
