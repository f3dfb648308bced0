import { it } from "vitest";
import type { HubClient, PresenceChangeEvent } from "../../service/client/index.js";
import { createNodeClient } from "../../service/client/node.js";
import { Cluster, clientHeartbeatMs } from "../cluster.js";
import { kill } from "../faults/container.js";
import { Fleet } from "../fleet.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";

const CH = "chat:presence";
const PER_HUB = 4;
const PRESENCE_HEARTBEAT_SECONDS = 2;
const BOUND_MS = 2 * PRESENCE_HEARTBEAT_SECONDS * 1000;

type Member = { client: HubClient; conn: string; hub: string };

it("11. hub node SIGKILL with presence: survivors show exactly the live members within two heartbeats", async () => {
  const run = new ScenarioRun({
    id: "11-presence-node-loss",
    title: "Presence through a hub SIGKILL",
  });
  const { settings } = run;
  await using cluster = await Cluster.start({
    settings,
    hubs: 3,
    redis: "single",
    env: {
      NAMESPACES: JSON.stringify({ chat: { presence: true, joinLeave: true } }),
      PRESENCE_HEARTBEAT_SECONDS: String(PRESENCE_HEARTBEAT_SECONDS),
    },
  });
  const { topology, balancer } = cluster;
  // Message traffic beside presence, so the usual invariants hold through the kill as well.
  await using fleet = await Fleet.start({
    recorder: run.recorder,
    token: topology.token,
    urls: () => [balancer.url],
    clients: 6,
    channels: ["room:a"],
    publishers: 2,
    ratePerSecond: 10,
    heartbeatTimeoutMs: clientHeartbeatMs(settings),
    sdk: { connectTimeoutMs: 3000 },
  });
  const members: Member[] = [];
  const events = new Map<HubClient, string[]>();
  try {
    // One observer on each surviving hub subscribes first and records every join and leave; then
    // PER_HUB members per hub (the observers among them) join, a third of them on the victim.
    const [victimHub, ...survivors] = topology.hubs;
    const rounds = Array.from({ length: PER_HUB - 1 }, () => [...survivors, victimHub]);
    const order = [...survivors, ...rounds.flat(), victimHub];
    for (const [i, hub] of order.entries()) {
      if (!hub) continue;
      const client = createNodeClient({ urls: hub.wsUrl, token: topology.token });
      if (i < survivors.length) {
        const seen: string[] = [];
        const note = (kind: string) => (e: PresenceChangeEvent) =>
          seen.push(`${kind} ${e.who.client}`);
        client.on("join", note("join"));
        client.on("leave", note("leave"));
        events.set(client, seen);
      }
      const hello = await client.connect();
      await client.subscribe(CH);
      members.push({ client, conn: hello.conn, hub: hub.name });
    }
    const observers = members.filter((m) => events.has(m.client));
    const expected = (list: Member[]) =>
      list
        .map((m) => m.conn)
        .sort()
        .join(",");
    // A refused read (rate_limited, a reconnect) counts as "not yet": the poll goes on.
    const seenBy = async (m: Member) => {
      const page = await m.client.presence(CH, { limit: 1000 }).catch(() => undefined);
      return (page?.members ?? [])
        .map((x) => x.client)
        .sort()
        .join(",");
    };
    const allThere = await pollUntil(
      async () => (await Promise.all(observers.map(seenBy))).every((s) => s === expected(members)),
      5_000,
      250,
    );
    run.check(
      "every member seen from every hub before the fault",
      allThere ? [] : ["incomplete presence"],
    );
    await hold(1_000);

    const victim = victimHub!;
    const lost = members.filter((m) => m.hub === victim.name);
    const live = members.filter((m) => m.hub !== victim.name);
    run.fault(`SIGKILL ${victim.name} (holding ${lost.length} of ${members.length} members)`);
    const killedAt = Date.now();
    balancer.crashed(victim);
    await kill({ docker: topology.docker, id: victim.id });
    balancer.remove(victim);
    for (const m of lost) void m.client.close();
    const exact = await pollUntil(
      async () => (await Promise.all(observers.map(seenBy))).every((s) => s === expected(live)),
      BOUND_MS + 2_000,
      250, // within MAX_PRESENCE_RATE (5 per second) per observer
    );
    const tookMs = Date.now() - killedAt;
    run.figures["presence exact on every survivor after (ms)"] = tookMs;
    run.figures["presence bound (ms)"] = BOUND_MS;
    run.check(
      `every surviving hub shows exactly the live members within ${BOUND_MS} ms (2 × PRESENCE_HEARTBEAT_SECONDS)`,
      exact && tookMs <= BOUND_MS + 500 ? [] : [`exact: ${exact}, after ${tookMs} ms`],
      { tookMs },
    );
    // Every observer: per member, join and leave alternate, starting with a join; the lost
    // members end with a leave, the live ones with their join.
    await pollUntil(
      () =>
        observers.every((o) =>
          lost.every((m) => events.get(o.client)?.includes(`leave ${m.conn}`)),
        ),
      3_000,
      100,
    );
    const problems: string[] = [];
    for (const o of observers) {
      const seen = events.get(o.client) ?? [];
      for (const m of members) {
        if (m === o) continue;
        const kinds = seen.filter((e) => e.endsWith(` ${m.conn}`)).map((e) => e.split(" ")[0]);
        // An observer subscribed before later members joined; earlier ones it read in presence.
        const joinedAfter = members.indexOf(m) > members.indexOf(o);
        const want = [...(joinedAfter ? ["join"] : []), ...(lost.includes(m) ? ["leave"] : [])];
        if (kinds.join(",") !== want.join(","))
          problems.push(
            `${o.conn} saw [${kinds.join(",")}] for ${m.conn}, expected [${want.join(",")}]`,
          );
      }
    }
    run.check("join/leave streams consistent: each leave after its join, none missing", problems);
  } finally {
    await Promise.all(members.map((m) => m.client.close()));
  }

  await run.end({
    fleet,
    balancer,
    topology,
    reconnectBoundMs: settings.slo.reconnectWithinMs,
    expectRecovery: true,
    bound: `presence on every surviving hub is exactly the live members within ${BOUND_MS} ms of a SIGKILL; join/leave alternate per member`,
  });
});
