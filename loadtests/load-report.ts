// npm run load:report -- DIR...: every load summary (*.json written by the gate, the Node driver
// or k6's handleSummary) in the folders, as Markdown for a CI job summary. Exit 1 when there is
// none, so a run that wrote no report does not read as an empty success.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { LoadSummary } from "./lib/summary.js";
import { isLoadSummary, summariesMarkdown } from "./lib/summary-markdown.js";

const USAGE = `usage: npm run load:report -- [--title TEXT] DIR...
Prints every load summary (*.json from npm run load:gate, npm run load or k6) found in the
folders as Markdown: the verdict per scenario and each threshold.
exit codes: 0 printed, 1 no summary found, 2 bad usage`;

function main(argv: string[]): number {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let title = "Load";
  const dirs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--title") {
      const value = argv[++i];
      if (value === undefined) return usageError("--title needs a value");
      title = value;
    } else if (arg.startsWith("-")) return usageError(`unknown option ${arg}`);
    else dirs.push(arg);
  }
  if (dirs.length === 0) return usageError("name at least one folder");
  const summaries: LoadSummary[] = [];
  for (const dir of dirs) {
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      process.stdout.write(`No load report: ${dir} does not exist (the run wrote none).\n`);
      continue;
    }
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith(".json")) continue;
      try {
        const value: unknown = JSON.parse(readFileSync(join(dir, file), "utf8"));
        if (isLoadSummary(value)) summaries.push(value);
      } catch {
        process.stdout.write(`Skipped ${join(dir, file)}: not JSON.\n`);
      }
    }
  }
  if (summaries.length === 0) {
    process.stdout.write(`No load summary in ${dirs.join(", ")}.\n`);
    return 1;
  }
  process.stdout.write(summariesMarkdown(summaries, title));
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`load:report: ${message}\n${USAGE}\n`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
