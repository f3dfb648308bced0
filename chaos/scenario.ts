import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, inject } from "vitest";
import { pollUntil as pollUntilTrue } from "../testkit/poll.js";
import type { Balancer } from "./balancer.js";
import { chaosSettings, settingsForReport } from "./chaos-settings.js";
import type { Fleet } from "./fleet.js";
import {
  type InvariantResult,
  type LeakCount,
  noAcknowledgedLoss,
  noLeaks,
  orderedWithoutDuplicates,
  reconnectedWithin,
  resumesRecovered,
  storedInPublishOrder,
  verdict,
} from "./invariants.js";
import { type Recording, ScenarioRecorder } from "./recording.js";
import {
  type CostBounds,
  type FaultMark,
  latencySummary,
  type ScenarioReport,
  writeReport,
} from "./report/index.js";
import { teardown } from "./teardown.js";
import type { Topology } from "./topology.js";

declare module "vitest" {
  export interface ProvidedContext {
    chaosRunDir: string;
  }
}

const REPORTS = fileURLToPath(new URL("./reports/", import.meta.url));

/** The run's report directory: from chaos/global-setup.ts, `CHAOS_RUN_DIR`, or a fresh one. */
export function runDir(): string {
  let provided: string | undefined;
  try {
    provided = inject("chaosRunDir");
  } catch {
    provided = undefined;
  }
  return (
    provided ??
    process.env.CHAOS_RUN_DIR ??
    join(REPORTS, new Date().toISOString().replace(/[:.]/g, "-"))
  );
}

export interface ScenarioSpec {
  /** Directory name of the report, e.g. "04-hub-sigkill". */
  id: string;
  title: string;
}

/** Polls `check` (every 200 ms by default) until it is true or `timeoutMs` passed. */
export function pollUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 200,
): Promise<boolean> {
  return pollUntilTrue(check, timeoutMs, everyMs);
}

/** Waits exactly `ms`: only to let a fault last as long as the scenario says, never for a condition. */
export function hold(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One scenario's bookkeeping: the recorder, fault marks, extra checks and figures. */
export class ScenarioRun {
  readonly recorder = new ScenarioRecorder();
  readonly faults: FaultMark[] = [];
  readonly checks: InvariantResult[] = [];
  readonly figures: Record<string, number | string | boolean> = {};
  readonly config = chaosSettings();

  constructor(readonly spec: ScenarioSpec) {}

  get settings() {
    return this.config.settings;
  }

  /** Ms since the run started. */
  now(): number {
    return Date.now() - this.recorder.startedAt;
  }

  /** Marks a fault starting now; call the returned function when it ends (if it has an end). */
  fault(label: string): () => void {
    const mark: FaultMark = { label, atMs: this.now() };
    this.faults.push(mark);
    return () => {
      mark.endMs = this.now();
    };
  }

  /**
   * Checks that the clients' delivery p99 since `from` (recorder time) stays within `boundMs`,
   * and shows it as the figure `figure`.
   */
  checkP99Since(from: number, boundMs: number, figure: string): void {
    const during = latencySummary(this.recorder.recording(), { from });
    this.figures[figure] = during.p99Ms;
    this.check(
      `everybody else keeps p99 within ${boundMs} ms (SLO deliveryP99Ms)`,
      during.n > 0 && during.p99Ms <= boundMs
        ? []
        : [`p99 ${during.p99Ms} ms over ${during.n} deliveries`],
      { p99Ms: during.p99Ms, deliveries: during.n },
    );
  }

  /** A scenario-specific check, shown in the report like the four invariants. */
  check(name: string, violations: string[], figures: InvariantResult["figures"] = {}): void {
    this.checks.push(verdict(name, violations, figures));
  }

  /**
   * The end every scenario shares: stop publishing, let in-flight acknowledgements and deliveries
   * settle, run `afterQuiesce` (figures that need the live clients), tear the topology down and
   * count leftovers, then `finish()`. The reconnect bound is also how long teardown waits for
   * clients still coming back.
   */
  async end(input: {
    fleet: Fleet;
    balancer: Balancer;
    topology: Topology;
    reconnectBoundMs: number;
    bound: string;
    /** Bounds of the user-visible cost beyond the reconnect bound (shown in the report). */
    costBounds?: CostBounds;
    expectRecovery?: boolean;
    afterQuiesce?: () => void;
  }): Promise<ScenarioReport> {
    await input.fleet.stopPublishing();
    await input.fleet.quiesce();
    input.afterQuiesce?.();
    const { recording, leaks } = await teardown({
      recorder: this.recorder,
      fleets: [input.fleet],
      settleMs: input.reconnectBoundMs,
      balancer: input.balancer,
      topology: input.topology,
    });
    return this.finish({
      recording,
      leaks,
      reconnectBoundMs: input.reconnectBoundMs,
      bound: input.bound,
      ...(input.costBounds ? { costBounds: input.costBounds } : {}),
      ...(input.expectRecovery ? { expectRecovery: true } : {}),
    });
  }

  /**
   * Checks the four invariants (plus `resumesRecovered` when asked and the scenario's own
   * checks), writes the report, then fails the test naming every broken invariant.
   */
  async finish(input: {
    recording: Recording;
    bound: string;
    reconnectBoundMs: number;
    leaks: LeakCount;
    costBounds?: CostBounds;
    expectRecovery?: boolean;
  }): Promise<ScenarioReport> {
    const { recording } = input;
    const invariants = [
      noAcknowledgedLoss(recording),
      orderedWithoutDuplicates(recording),
      storedInPublishOrder(recording),
      reconnectedWithin(recording, input.reconnectBoundMs),
      noLeaks(input.leaks),
      ...(input.expectRecovery ? [resumesRecovered(recording)] : []),
      ...this.checks,
    ];
    const report = await writeReport(join(runDir(), this.spec.id), {
      scenario: this.spec.id,
      title: this.spec.title,
      bound: input.bound,
      settings: settingsForReport(this.config.settings, this.config.scaled),
      faults: this.faults,
      invariants,
      figures: {
        ...this.figures,
        acknowledged: recording.acks.length,
        publishFailures: recording.failures.length,
        clients: recording.clients.length,
      },
      // A client gone longer than the reconnect bound is the cost the invariant already bounds.
      costBounds: { longestDisconnectMs: input.reconnectBoundMs, ...input.costBounds },
      deliveryP99BoundMs: this.settings.slo.deliveryP99Ms,
      recording,
    });
    const failed = invariants
      .filter((i) => !i.pass)
      .map((i) => `${i.name}: ${i.violations.slice(0, 5).join("; ")}`);
    expect(failed, `broken invariants (report: ${join(runDir(), this.spec.id)}/report.md)`).toEqual(
      [],
    );
    return report;
  }
}
