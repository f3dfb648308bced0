// Where a delivery's time goes, per server process: write syscalls and bytes from /proc/PID/io
// (no tracer, so the phase runs at full speed), CPU and event-loop figures from the process
// itself, and every syscall by name from `strace -c -f` in a separate, slower traced phase.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerNode } from "./targets.js";

/** One saturation phase's cost, summed over the target's nodes, per delivery. */
export interface PhaseCost {
  deliveries: number;
  /** write/writev syscalls per delivery (/proc/PID/io syscw); undefined off Linux. */
  writesPerDelivery?: number;
  /** Bytes written per delivery, frame headers included (/proc/PID/io wchar). */
  bytesPerDelivery?: number;
  cpuMicrosPerDelivery: number;
  /** Event-loop utilization, 0..1, the busiest node's. */
  loopUtilization: number;
  /** Event-loop delay p99 in ms, the worst node's. */
  loopDelayP99Ms: number;
}

/** Syscalls per delivery from strace -c -f, in a traced phase of its own. */
export type SyscallCount =
  | { ok: true; deliveries: number; perDelivery: number; byName: Record<string, number> }
  | { ok: false; reason: string };

export type ProcIo = { syscw: number; wchar: number };

/** The write counters of a process from /proc/PID/io; undefined where there is none. */
export function readProcIo(pid: number | undefined): ProcIo | undefined {
  if (pid === undefined) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/io`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, "m").exec(text)?.[1]);
    const io = { syscw: field("syscw"), wchar: field("wchar") };
    return Number.isFinite(io.syscw) && Number.isFinite(io.wchar) ? io : undefined;
  } catch {
    return undefined;
  }
}

/** Starts probing `nodes`; the returned function ends the phase and divides by its deliveries. */
export async function probePhase(
  nodes: ServerNode[],
): Promise<(deliveries: number) => Promise<PhaseCost>> {
  await Promise.all(nodes.map((n) => n.probeStart()));
  const before = nodes.map((n) => readProcIo(n.pid));
  return async (deliveries) => {
    const after = nodes.map((n) => readProcIo(n.pid));
    const probes = await Promise.all(nodes.map((n) => n.probeStop()));
    const d = Math.max(1, deliveries);
    const cost: PhaseCost = {
      deliveries,
      cpuMicrosPerDelivery: probes.reduce((sum, p) => sum + p.cpuMicros, 0) / d,
      loopUtilization: Math.max(...probes.map((p) => p.loopUtilization)),
      loopDelayP99Ms: Math.max(...probes.map((p) => p.loopDelayP99Ms)),
    };
    if (before.every((b) => b) && after.every((a) => a)) {
      let syscw = 0;
      let wchar = 0;
      after.forEach((a, i) => {
        syscw += (a as ProcIo).syscw - (before[i] as ProcIo).syscw;
        wchar += (a as ProcIo).wchar - (before[i] as ProcIo).wchar;
      });
      cost.writesPerDelivery = syscw / d;
      cost.bytesPerDelivery = wchar / d;
    }
    return cost;
  };
}

/** Why strace cannot be used here, or undefined when it can. */
export function straceMissing(): string | undefined {
  if (process.platform !== "linux") return "strace runs on Linux only";
  const probe = spawnSync("strace", ["-V"], { encoding: "utf8", timeout: 5_000 });
  if (probe.error || probe.status !== 0)
    return "strace is not installed (Debian: apt-get install -y strace); syscall counts skipped";
  return undefined;
}

/** Parses the table `strace -c` writes: calls per syscall name. */
export function parseStraceSummary(text: string): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const line of text.split("\n")) {
    // % time  seconds  usecs/call  calls  [errors]  syscall
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/.exec(line);
    if (m && m[2] !== "total") calls[m[2] as string] = Number(m[1]);
  }
  return calls;
}

/** Waits for `child` to exit, bounded; kills it when it does not. */
function exited(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve();
    }, ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Runs `phase` (which returns its deliveries) with `strace -c -f` attached to every node's
 * process, and counts syscalls per delivery. ptrace slows every syscall, so this phase's own
 * speed is not reported; only the counts are.
 */
export async function traceSyscalls(
  nodes: ServerNode[],
  phase: () => Promise<number>,
): Promise<SyscallCount> {
  const missing = straceMissing();
  if (missing) return { ok: false, reason: missing };
  const dir = mkdtempSync(join(tmpdir(), "bench-strace-"));
  const tracers: ChildProcess[] = [];
  try {
    for (const [i, node] of nodes.entries()) {
      if (node.pid === undefined) return { ok: false, reason: "a server has no process id" };
      const tracer = spawn(
        "strace",
        ["-c", "-f", "-o", join(dir, `node-${i}.txt`), "-p", String(node.pid)],
        {
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      tracers.push(tracer);
      let stderr = "";
      const attached = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 5_000);
        tracer.stderr?.on("data", (d: Buffer) => {
          stderr += d.toString();
          if (/attached/.test(stderr)) {
            clearTimeout(timer);
            resolve(true);
          }
        });
        tracer.once("exit", () => {
          clearTimeout(timer);
          resolve(false);
        });
      });
      if (!attached)
        return {
          ok: false,
          reason: `strace could not attach (${stderr.trim().split("\n").pop() ?? "no output"})`,
        };
    }
    const deliveries = await phase();
    for (const t of tracers) t.kill("SIGINT");
    await Promise.all(tracers.map((t) => exited(t, 10_000)));
    const byName: Record<string, number> = {};
    for (let i = 0; i < nodes.length; i++) {
      const calls = parseStraceSummary(readFileSync(join(dir, `node-${i}.txt`), "utf8"));
      for (const [name, n] of Object.entries(calls)) byName[name] = (byName[name] ?? 0) + n;
    }
    const total = Object.values(byName).reduce((a, b) => a + b, 0);
    const d = Math.max(1, deliveries);
    return { ok: true, deliveries, perDelivery: total / d, byName };
  } catch (error) {
    return { ok: false, reason: `strace failed: ${(error as Error).message}` };
  } finally {
    for (const t of tracers) if (t.exitCode === null) t.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}
