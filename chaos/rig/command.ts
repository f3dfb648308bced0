import { spawn } from "node:child_process";
import { RigError } from "./errors.js";

export interface RunOptions {
  /** Kill the process (SIGKILL) after this many milliseconds. */
  timeoutMs: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Stream the child's output to our stderr (long builds) instead of only capturing it. */
  echo?: boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

// Captured output is bounded so a chatty build cannot grow memory without limit.
const MAX_CAPTURE = 256 * 1024;

function append(buffer: string, chunk: Buffer): string {
  const next = buffer + chunk.toString("utf8");
  return next.length > MAX_CAPTURE ? next.slice(next.length - MAX_CAPTURE) : next;
}

/** Runs a command to completion (or the timeout) and returns its exit code and output. */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout = append(stdout, chunk);
      if (options.echo) process.stderr.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = append(stderr, chunk);
      if (options.echo) process.stderr.write(chunk);
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(error.message), timedOut });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Like `run`, but throws a RigError naming the command when it fails or times out. */
export async function runChecked(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  const result = await run(command, args, options);
  const shown = [command, ...args].join(" ");
  if (result.timedOut) {
    throw new RigError(
      "COMMAND_TIMEOUT",
      `\`${shown}\` did not finish within ${options.timeoutMs} ms and was killed.\n${tail(result.stderr)}`,
    );
  }
  if (result.code !== 0) {
    throw new RigError(
      "COMMAND_FAILED",
      `\`${shown}\` exited with ${result.code ?? "an error"}.\n${tail(result.stderr || result.stdout)}`,
    );
  }
  return result;
}

/** Whether an executable is on PATH (no shell involved). */
export async function hasExecutable(name: string): Promise<boolean> {
  const result = await run("sh", ["-c", 'command -v "$1"', "sh", name], { timeoutMs: 5_000 });
  return result.code === 0;
}

/** Progress goes to stderr so stdout stays free for machine-readable output. */
export function log(message: string): void {
  process.stderr.write(`[rig] ${message}\n`);
}
