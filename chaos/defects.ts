// Proves the chaos suite catches real defects: for each deliberate defect, patch a COPY of the
// source in .rig/defects/<name>/, build it (a hub image or an SDK copy), run the scenario meant to
// catch it, and print which invariants failed. Nothing broken is ever committed or tagged
// wshub:local. Run by hand: `npx tsx chaos/defects.ts [name...]` (needs wshub:local built, e.g. by
// one `npm run chaos`).
import { spawn } from "node:child_process";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChaosError } from "./errors.js";
import type { ScenarioReport } from "./report/index.js";
import { HUB_IMAGE } from "./rig/index.js";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const WORK = join(REPO, ".rig", "defects");

/** One textual change to one file of the copy; it must match exactly once. */
interface Patch {
  file: string;
  find: string | RegExp;
  replace: string;
}

interface Defect {
  name: string;
  what: string;
  /** `hub`: built into wshub:defect-<name>; `sdk`: the fleet loads the patched SDK copy. */
  target: "hub" | "sdk";
  patches: Patch[];
  /** The scenario file (under chaos/scenarios/) meant to catch it. */
  scenario: string;
}

export const DEFECTS: Defect[] = [
  {
    name: "ack-before-store",
    what: "hub acknowledges a publish before it is stored",
    target: "hub",
    scenario: "01-redis-failover.test.ts",
    patches: [
      {
        file: "service/hub/connection.ts",
        find: "    return publishJson(this.ctx.broker, this.ctx.metrics, {",
        replace:
          '    if (f.id !== undefined) this.sendJson({ op: "ok", id: f.id, ch: f.ch, seq: 0 });\n    return publishJson(this.ctx.broker, this.ctx.metrics, {',
      },
    ],
  },
  {
    name: "ignore-sigterm",
    what: "hub ignores SIGTERM",
    target: "hub",
    scenario: "06-rolling-update.test.ts",
    patches: [
      {
        file: "service/main.ts",
        find: 'process.on("SIGTERM", onSignal);',
        replace: 'process.on("SIGTERM", () => {});',
      },
    ],
  },
  {
    name: "resume-without-since",
    what: "client resubscribes without `since` after a reconnect",
    target: "sdk",
    scenario: "04-hub-sigkill.test.ts",
    patches: [
      {
        file: "service/client/channel-state.ts",
        find: 'return { op: "sub", ch: this.ch, since: this.last, epoch: this.epoch };',
        replace: 'return { op: "sub", ch: this.ch };',
      },
    ],
  },
];

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 15 * 60_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-200_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The text with the patch applied; throws when `find` does not match exactly once. */
export function applyPatch(text: string, p: Patch): string {
  const matches =
    typeof p.find === "string"
      ? text.split(p.find).length - 1
      : (text.match(new RegExp(p.find, "g")) ?? []).length;
  if (matches !== 1) {
    throw new ChaosError(
      "BAD_OPTION",
      `defect patch for ${p.file} matched ${matches} times (want 1): the source changed, update chaos/defects.ts`,
    );
  }
  return text.replace(p.find, p.replace);
}

async function applyPatches(root: string, patches: Patch[]): Promise<void> {
  if (patches.length === 0) {
    throw new ChaosError(
      "BAD_OPTION",
      "this defect has no patch yet: write it in chaos/defects.ts",
    );
  }
  for (const p of patches) {
    const path = join(root, p.file);
    await writeFile(path, applyPatch(await readFile(path, "utf8"), p));
  }
}

/** Copies service/ and contract/ (and the tsconfigs) into the defect's directory and patches the copy. */
async function prepare(defect: Defect): Promise<string> {
  const root = join(WORK, defect.name);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  for (const dir of ["service", "contract"])
    await cp(join(REPO, dir), join(root, dir), { recursive: true });
  for (const f of ["tsconfig.json", "tsconfig.build.json", "package.json"]) {
    await cp(join(REPO, f), join(root, f));
  }
  await applyPatches(root, defect.patches);
  return root;
}

/** wshub:defect-<name>: wshub:local with the patched hub's compiled JS over /app/dist. */
async function buildDefectImage(defect: Defect, root: string): Promise<string> {
  const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
  const compiled = await run(process.execPath, [
    tsc,
    "-p",
    join(root, "tsconfig.build.json"),
    "--outDir",
    join(root, "dist"),
  ]);
  if (compiled.code !== 0)
    throw new ChaosError("BAD_OPTION", `patched hub does not compile:\n${compiled.output}`);
  await writeFile(join(root, "Dockerfile"), `FROM ${HUB_IMAGE}\nCOPY dist /app/dist\n`);
  const tag = `wshub:defect-${defect.name}`;
  const built = await run("docker", ["build", "-q", "-t", tag, root]);
  if (built.code !== 0)
    throw new ChaosError("BAD_OPTION", `docker build ${tag} failed:\n${built.output}`);
  return tag;
}

export interface DefectOutcome {
  defect: string;
  scenario: string;
  caught: boolean;
  failedInvariants: string[];
  exitCode: number | null;
}

/** Builds the defect, runs its scenario against it, and reads what the report says failed. */
export async function proveDefect(defect: Defect): Promise<DefectOutcome> {
  const root = await prepare(defect);
  const env: NodeJS.ProcessEnv = { ...process.env, TESTCONTAINERS_RYUK_DISABLED: "true" };
  if (defect.target === "hub") env.CHAOS_HUB_IMAGE = await buildDefectImage(defect, root);
  else env.CHAOS_SDK_MODULE = join(root, "service", "client", "node.ts");
  const reports = join(root, "reports");
  env.CHAOS_RUN_DIR = reports;
  // A defect run must never rebuild (and so overwrite) wshub:local.
  env.CHAOS_HUB_IMAGE ??= HUB_IMAGE;
  const result = await run(
    "npx",
    ["vitest", "run", "--project", "chaos", join("chaos", "scenarios", defect.scenario)],
    env,
  );
  const id = defect.scenario.replace(/\.test\.ts$/, "");
  const text = await readFile(join(reports, id, "report.json"), "utf8").catch(() => null);
  const report = text === null ? null : (JSON.parse(text) as ScenarioReport);
  const failedInvariants = report
    ? report.invariants.filter((i) => !i.pass).map((i) => `${i.name} (${i.violations[0] ?? ""})`)
    : [
        `no report: the run ended before writing one (exit ${result.code}): ${result.output.slice(-400)}`,
      ];
  return {
    defect: defect.name,
    scenario: id,
    caught: result.code !== 0,
    failedInvariants,
    exitCode: result.code,
  };
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const chosen = only.length ? DEFECTS.filter((d) => only.includes(d.name)) : DEFECTS;
  let missed = 0;
  for (const defect of chosen) {
    const started = Date.now();
    process.stdout.write(`\n== ${defect.name}: ${defect.what} -> ${defect.scenario}\n`);
    const outcome = await proveDefect(defect);
    if (!outcome.caught) missed += 1;
    process.stdout.write(
      `${outcome.caught ? "CAUGHT" : "MISSED"} by ${outcome.scenario} (exit ${outcome.exitCode}, ${((Date.now() - started) / 1000).toFixed(0)} s)\n${outcome.failedInvariants.map((f) => `  - ${f}`).join("\n")}\n`,
    );
  }
  process.exitCode = missed === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
