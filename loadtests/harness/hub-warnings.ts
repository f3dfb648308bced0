// The warnings and errors a hub process logged (pino JSON lines at level warn or above), kept in
// a bounded list so a failed gate can show what the nodes saw while it failed.
import type { OwnedProcess } from "./child-process.js";

/** Lines kept per process; later ones are counted, not kept. */
const MAX_LINES = 200;
const WARN = 40;

/** Collects warn+ log lines of one hub process from now on. */
export class HubWarnings {
  private readonly lines: string[] = [];
  private dropped = 0;
  private partial = "";

  constructor(
    readonly nodeId: string,
    proc: OwnedProcess,
  ) {
    const onData = (chunk: Buffer) => {
      const text = this.partial + chunk.toString();
      const parts = text.split("\n");
      this.partial = (parts.pop() ?? "").slice(-10_000);
      for (const line of parts) this.take(line);
    };
    proc.child.stdout?.on("data", onData);
    proc.child.stderr?.on("data", onData);
  }

  private take(line: string): void {
    if (line.trim() === "") return;
    let level = WARN;
    let shown = line;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      level = typeof entry.level === "number" ? entry.level : WARN;
      const { level: _l, time, pid: _p, hostname: _h, msg, ...rest } = entry;
      const at = typeof time === "number" ? new Date(time).toISOString().slice(11, 23) : "";
      shown = `${at} ${String(msg ?? "")} ${JSON.stringify(rest)}`;
    } catch {
      // Not pino JSON (a crash trace, for instance): keep it as it is.
    }
    if (level < WARN) return;
    if (this.lines.length >= MAX_LINES) this.dropped++;
    else this.lines.push(shown.slice(0, 500));
  }

  /** The collected lines, prefixed with the node id. */
  report(): string {
    if (this.lines.length === 0) return `${this.nodeId}: no warnings`;
    const more = this.dropped > 0 ? `\n${this.nodeId}: ... ${this.dropped} more` : "";
    return `${this.lines.map((l) => `${this.nodeId}: ${l}`).join("\n")}${more}`;
  }
}
