// `npm run policy:check -- [--format text|json|sarif] [--stack prod|dev] [--kube-version 1.34]
// <files or dirs>`. Exit 0: no mandatory rule fails; 1: one does; 2: bad usage, or input that
// cannot be checked (unreadable, invalid YAML, unrendered templates, objects without
// apiVersion or kind, nothing Kubernetes at all).
import { parseArgs } from "node:util";
import { evaluate, isFailure } from "./evaluate.js";
import {
  formatKubernetesVersion,
  type KubernetesVersion,
  parseKubernetesVersion,
} from "./kubernetes-version.js";
import { type InputNotice, loadManifests, ManifestError } from "./manifests.js";
import { optionsFor, stackNameOf } from "./options.js";
import { locate, REPORT_FORMATS, type ReportFormat, render, renderNotices } from "./report.js";
import { defaultRules } from "./rules/index.js";

const DEFAULT_VERSION = formatKubernetesVersion(optionsFor("prod").kubernetesVersion);

const USAGE = `usage: npm run policy:check -- [--format text|json|sarif] [--stack prod|dev] [--kube-version ${DEFAULT_VERSION}] <files or dirs>...

Checks Kubernetes YAML/JSON (multi-document files, Lists; directories are walked) against the
wshub rules. --stack (default prod) picks the availability rules and the hub's drain numbers.
--kube-version (default ${DEFAULT_VERSION}) is the cluster release: APIs it removed fail the check.
Exit 0 when no mandatory rule fails, 1 when one does, 2 on bad usage or input that cannot be
checked (unreadable, invalid YAML, unrendered templates, objects without apiVersion or kind,
no Kubernetes objects at all); input problems are listed on stderr and, in SARIF, as tool
execution notifications.`;

class UsageError extends Error {
  override readonly name = "UsageError";
}

interface Invocation {
  readonly format: ReportFormat;
  readonly stack: "dev" | "prod";
  readonly kubernetesVersion: KubernetesVersion;
  readonly paths: string[];
  readonly help: boolean;
}

function parseInvocation(argv: string[]): Invocation {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: "string", short: "f", default: "text" },
        stack: { type: "string", short: "s", default: "prod" },
        "kube-version": { type: "string", short: "k", default: DEFAULT_VERSION },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  }
  try {
    parsed = parse();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const format = values.format as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) {
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(", ")}, got "${format}"`);
  }
  const stack = stackNameOf(values.stack);
  if (stack === undefined)
    throw new UsageError(`--stack must be dev or prod, got "${values.stack}"`);
  const kubernetesVersion = parseKubernetesVersion(values["kube-version"]);
  if (kubernetesVersion === undefined) {
    throw new UsageError(
      `--kube-version must be a Kubernetes release like ${DEFAULT_VERSION}, got "${values["kube-version"]}"`,
    );
  }
  if (positionals.length === 0 && !values.help) {
    throw new UsageError("name at least one file or directory to check");
  }
  return { format, stack, kubernetesVersion, paths: positionals, help: values.help === true };
}

/** Runs the check and returns the exit code; output goes to the given writers. */
async function main(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  try {
    const inv = parseInvocation(argv);
    if (inv.help) {
      out(`${USAGE}\n`);
      return 0;
    }
    const { objects: loaded, notices: read, files } = await loadManifests(inv.paths);
    const notices: InputNotice[] = [...read];
    if (loaded.length === 0 && !read.some((n) => n.level === "error")) {
      notices.push({
        code: "no-objects",
        level: "error",
        file: files[0] ?? inv.paths[0] ?? "",
        line: 1,
        column: 1,
        message: `no Kubernetes objects (apiVersion + kind) in ${files.length} file(s): nothing was checked`,
      });
    }
    err(renderNotices(notices));
    const rules = defaultRules();
    if (notices.some((n) => n.level === "error")) {
      // SARIF consumers need a log even when the run failed: it carries the notifications.
      if (inv.format === "sarif") {
        out(render("sarif", { findings: [], objects: loaded, files, rules, notices }));
      }
      return 2;
    }
    const options = optionsFor(inv.stack, { kubernetesVersion: inv.kubernetesVersion });
    const findings = evaluate(
      loaded.map((l) => l.object),
      rules,
      { options },
    );
    const located = locate(findings, loaded);
    out(render(inv.format, { findings: located, objects: loaded, files, rules, notices }));
    return located.some(isFailure) ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`policy:check: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ManifestError) {
      err(`policy:check: ${e.message}\n`);
      return 2;
    }
    err(`policy:check: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

// Exit code via process.exitCode so piped stdout (large SARIF) is flushed before exit.
process.exitCode = await main(
  process.argv.slice(2),
  (s) => process.stdout.write(s),
  (s) => process.stderr.write(s),
);
