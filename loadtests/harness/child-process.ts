// A child process the harness owns: output kept in a bounded tail for error messages, stopped
// with SIGTERM and, past a bound, SIGKILL.
import { type ChildProcess, spawn } from "node:child_process";

/** Lines of output kept per process for the error message when it fails. */
const TAIL_LINES = 40;

export class OwnedProcess {
  private readonly tail: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (line.trim() === "") continue;
        this.tail.push(line.slice(0, 500));
        if (this.tail.length > TAIL_LINES) this.tail.shift();
      }
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once("exit", (code) => resolve(code));
    });
  }

  /** Spawns `command` with piped output. */
  static spawn(
    name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    cwd?: string,
  ): OwnedProcess {
    const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    child.on("error", () => {
      // A spawn failure shows up as exit (code null) and in the caller's readiness check.
    });
    return new OwnedProcess(name, child);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process printed. */
  output(): string {
    return this.tail.join("\n");
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
