// npm run k6 -- [run] [-e NAME=VALUE]... <script.ts>: runs a k6 script of loadtests/k6 under our
// k6-compatible runtime, on machines without k6. Exit codes as k6: 0 pass, 99 a threshold failed,
// 107 the script failed; 2 bad usage.
import { EXIT_SCRIPT_ERROR, runK6 } from "./run.js";

const USAGE = `usage: npm run k6 -- [run] [-e NAME=VALUE]... <script.ts>
Runs a k6 script (loadtests/k6/*.ts) under the project's k6-compatible runtime: k6, k6/websockets,
k6/timers, k6/metrics, k6/execution, http.asyncRequest, per-vu-iterations scenarios, thresholds
with abortOnFail, handleSummary. Settings as with k6: -e HUB_URLS=ws://127.0.0.1:8080/v1/ws ...
exit codes: 0 all thresholds passed, 99 a threshold failed, 107 the script failed, 2 bad usage`;

class UsageError extends Error {}

function parse(argv: string[]): { script: string; env: Record<string, string>; help: boolean } {
  const env: Record<string, string> = {};
  let script: string | undefined;
  const args = argv[0] === "run" ? argv.slice(1) : argv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--help" || arg === "-h") return { script: "", env, help: true };
    if (arg === "-e" || arg === "--env") {
      const pair = args[++i];
      const eq = pair?.indexOf("=") ?? -1;
      if (pair === undefined || eq <= 0) throw new UsageError(`${arg} expects NAME=VALUE`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (script === undefined) script = arg;
    else throw new UsageError(`one script only, got ${script} and ${arg}`);
  }
  if (script === undefined) throw new UsageError("no script given");
  return { script, env, help: false };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const result = await runK6({ script: args.script, env: args.env });
  return result.exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`k6 runtime: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_SCRIPT_ERROR;
  },
);
