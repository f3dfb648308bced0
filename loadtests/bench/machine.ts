// What the numbers were measured on: they mean nothing without it.
import { cpus, loadavg, totalmem } from "node:os";

/** One line describing the machine, Node and the load on it right now. */
export function describeMachine(): string {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() ?? "unknown CPU";
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ");
  return `${model}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}; load average before the run (1/5/15 min): ${load}`;
}

/** The 1-minute load average, for the "other load on the machine" note. */
export function loadNow(): string {
  return loadavg()[0]?.toFixed(2) ?? "?";
}
