// npm run load -- --scenario fanout --url ws://127.0.0.1:8080/v1/ws [...]: the k6 scenarios on
// machines without k6. Exit 0 pass, 99 threshold failed (as k6), 2 bad usage, 1 run failed.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { junitXml } from "../lib/junit.js";
import { SloError } from "../lib/slo.js";
import { summaryTable } from "../lib/summary.js";
import { parseArgs, USAGE, UsageError } from "./args.js";
import { runScenario } from "./run.js";

export const EXIT_THRESHOLD_FAILED = 99;

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  const abort = new AbortController();
  // First Ctrl-C ends the run early (sockets still closed, summary still written); second exits.
  process.once("SIGINT", () => {
    abort.abort();
    process.once("SIGINT", () => process.exit(130));
  });
  let summary: Awaited<ReturnType<typeof runScenario>>;
  try {
    summary = await runScenario({ ...args, progress: !args.quiet, signal: abort.signal });
  } catch (error) {
    if (error instanceof SloError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  process.stdout.write(`${summaryTable(summary)}\n`);
  if (args.summary) write(args.summary, `${JSON.stringify(summary, null, 2)}\n`);
  if (args.junit) write(args.junit, junitXml(summary));
  return summary.ok ? 0 : EXIT_THRESHOLD_FAILED;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `load driver failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
