import { METRIC } from "../contract/index.js";
import { pollUntil } from "../testkit/poll.js";
import type { Balancer } from "./balancer.js";
import type { Fleet } from "./fleet.js";
import type { LeakCount } from "./invariants.js";
import type { Recording, ScenarioRecorder } from "./recording.js";
import type { Topology } from "./topology.js";

/**
 * The end of every scenario: snapshot the recording, close the fleet, wait (bounded) for the
 * sockets to go on both sides, remove the containers, then count what is left.
 */
export async function teardown(parts: {
  recorder: ScenarioRecorder;
  fleets: Fleet[];
  balancer: Balancer;
  topology: Topology;
  /** How long clients still reconnecting (a drain's retry hints) may take: the scenario's bound. */
  settleMs?: number;
}): Promise<{ recording: Recording; leaks: LeakCount }> {
  const whole = () => parts.fleets.every((f) => f.connectedCount() === f.clients.length);
  await pollUntil(whole, parts.settleMs ?? 15_000, 250);
  const recording = parts.recorder.recording();
  const live = [...parts.topology.hubs];
  await Promise.all(parts.fleets.map((f) => f.close()));
  await pollUntil(() => parts.balancer.openConnections === 0, 5000, 200);
  const clientSockets = parts.balancer.openConnections;
  let hubConnections = 0;
  await pollUntil(
    async () => {
      const counts = await Promise.all(live.map((h) => h.metric(METRIC.connections, 1000)));
      hubConnections = counts.reduce<number>((sum, n) => sum + (n ?? 0), 0);
      return hubConnections === 0;
    },
    5000,
    250,
  );
  await parts.balancer.close();
  await parts.topology.dispose();
  const left = await parts.topology.leftovers();
  return { recording, leaks: { ...left, clientSockets, hubConnections } };
}
