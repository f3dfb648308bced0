/** One labelled container or network as `docker ps`/`docker network ls` list it. */
export interface LabelledResource {
  id: string;
  /** Value of the owner label (a pid); empty when the resource was labelled without one. */
  owner: string;
}

/** Reads lines of `{{.ID}} {{.Label "wshub.test.pid"}}`. */
export function parseLabelledRows(stdout: string): LabelledResource[] {
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [id = "", owner = ""] = line.split(/\s+/);
      return { id, owner };
    });
}

/**
 * Which resources a cleanup removes. `all` takes everything (the CLI after a crash). Otherwise a
 * resource goes when its owner is this process or no longer runs, or it names no owner: another
 * test run that is still alive keeps its containers.
 */
export function selectForRemoval(
  resources: readonly LabelledResource[],
  scope: "all" | "orphans",
  ownPid: number,
  isAlive: (pid: number) => boolean,
): string[] {
  return resources
    .filter((resource) => {
      if (scope === "all") return true;
      const pid = Number.parseInt(resource.owner, 10);
      if (!Number.isInteger(pid) || pid <= 0) return true;
      return pid === ownPid || !isAlive(pid);
    })
    .map((resource) => resource.id);
}
