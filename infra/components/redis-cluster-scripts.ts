// Shell run for a Redis Cluster: the init script writes a cluster-enabled redis.conf (password
// from the file, as for the other topologies) and refreshes the peers' addresses in nodes.conf;
// the readiness command wants the node in an ok cluster; the bootstrap Job forms the cluster once
// (and only once); the preStop hands a primary's slots to its replica before the pod stops.
import {
  initPreamble,
  metricsUserLine,
  PRESTOP_WAIT_TRIES,
  type RedisTopology,
  RUN_DIR,
  redisReadyCommand,
} from "./redis-shell-scripts.js";

/** Where each node keeps its cluster state (node id, peers, slots): on the data volume. */
export const NODES_CONF = "/data/nodes.conf";
/** How long a node is unreachable before its replica takes over (ms). */
export const CLUSTER_NODE_TIMEOUT_MS = 5_000;
/** Attempts (5 s apart) the bootstrap waits for every pod to answer. */
export const BOOTSTRAP_WAIT_TRIES = 60;

/** A Redis Cluster: the pods (pod 0 first) and how many replicas each primary gets. */
export interface ClusterTopology extends RedisTopology {
  mode: "cluster";
  replicasPerShard: number;
}

/**
 * The init script of a cluster node. Clients are told hostnames (the pod FQDNs), never pod IPs,
 * so a restarted pod with a new IP is found again. The cluster bus still dials the IPs in
 * nodes.conf: they are re-resolved from the peers' hostnames at every start, so a full restart
 * (every pod on a new IP) finds its peers again; a peer not resolvable yet keeps its old line
 * and is corrected by gossip once it pings this node.
 */
export function redisClusterInitScript(t: ClusterTopology): string {
  return [
    ...initPreamble(t),
    `HOSTS="${t.podHosts.join(" ")}"`,
    "{",
    '  echo "include /etc/redis/base.conf"',
    '  printf \'requirepass %s\\nmasterauth %s\\n\' "$PASS" "$PASS"',
    // The exporter reads CLUSTER INFO on a cluster node (redis_cluster_* metrics, the alerts).
    metricsUserLine(" +cluster|info"),
    '  echo "cluster-enabled yes"',
    `  echo "cluster-config-file ${NODES_CONF}"`,
    `  echo "cluster-node-timeout ${CLUSTER_NODE_TIMEOUT_MS}"`,
    '  echo "cluster-announce-hostname $SELF"',
    '  echo "cluster-preferred-endpoint-type hostname"',
    // A shard without a primary stops its own channels, not every channel of the hub.
    '  echo "cluster-require-full-coverage no"',
    `  echo "min-replicas-to-write ${t.minReplicasAck}"`,
    '  echo "min-replicas-max-lag 10"',
    `} > ${RUN_DIR}/redis.conf`,
    `if [ -s ${NODES_CONF} ]; then`,
    "  while IFS= read -r line; do",
    // <id> <ip>:<port>@<cport>,<hostname>[,aux...] <flags> ...: only lines naming one of our pods.
    "    set -f; set -- $line; set +f",
    `    addr="\${2:-}"`,
    '    case "$addr" in *:*@*,*) ;; *) printf \'%s\\n\' "$line"; continue;; esac',
    `    host="\${addr#*,}"; host="\${host%%,*}"`,
    '    case " $HOSTS " in *" $host "*) ;; *) printf \'%s\\n\' "$line"; continue;; esac',
    '    ip="$(getent ahostsv4 "$host" 2>/dev/null | head -n 1 | cut -d " " -f 1 || true)"',
    '    case "$ip" in ""|*[!0-9.]*) printf \'%s\\n\' "$line"; continue;; esac',
    `    printf '%s %s %s\\n' "$1" "$ip:\${addr#*:}" "\${line#* * }"`,
    `  done < ${NODES_CONF} > ${NODES_CONF}.new`,
    `  mv ${NODES_CONF}.new ${NODES_CONF}`,
    "fi",
    "",
  ].join("\n");
}

/**
 * Readiness of a cluster node: `PONG`, the node sees an ok cluster (formed, its slots served, in
 * the majority partition) and, on a replica, its link to the primary is up (synced).
 */
export function redisClusterReadyCommand(port: number, passwordFile: string): string {
  return redisReadyCommand(port, passwordFile, { clusterState: true });
}

/**
 * The bootstrap Job: waits (bounded) until every pod answers, then forms the cluster with
 * `redis-cli --cluster create` when every node is still empty and alone. A cluster that already
 * formed is left alone (the Job re-runs harmlessly after any change); a cluster that formed
 * without some pods (a lost volume) is refused with what to do, never re-created over its data.
 */
export function redisClusterBootstrapScript(
  t: ClusterTopology,
  pollSeconds = 5,
  tries = BOOTSTRAP_WAIT_TRIES,
): string {
  const field = (name: string) =>
    `"$(printf '%s\\n' "$info" | tr -d '\\r' | sed -n 's/^${name}://p')"`;
  return [
    "#!/bin/sh",
    "set -u",
    `REDISCLI_AUTH="$(cat ${t.passwordFile})"`,
    "export REDISCLI_AUTH",
    `HOSTS="${t.podHosts.join(" ")}"`,
    "i=0",
    "while :; do",
    '  missing=""',
    "  for h in $HOSTS; do",
    '    [ "$(timeout 3 redis-cli -h "$h" -p 6379 ping 2>/dev/null)" = PONG ] || missing="$missing $h"',
    "  done",
    '  [ -z "$missing" ] && break',
    "  i=$((i + 1))",
    `  if [ $i -ge ${tries} ]; then`,
    `    echo "bootstrap: no answer from$missing after ${tries} tries; check those pods (kubectl describe pod), the Job retries" >&2`,
    "    exit 1",
    "  fi",
    `  sleep ${pollSeconds}`,
    "done",
    'formed=""',
    'alone=""',
    "for h in $HOSTS; do",
    '  info="$(timeout 3 redis-cli -h "$h" -p 6379 --raw cluster info 2>&1 || true)"',
    `  known=${field("cluster_known_nodes")}`,
    `  assigned=${field("cluster_slots_assigned")}`,
    '  case "$known.$assigned" in .*|*.|*[!0-9.]*) echo "bootstrap: $h did not answer CLUSTER INFO: $(printf \'%s\' "$info" | head -n 1)" >&2; exit 1;; esac',
    '  if [ "$known" -gt 1 ] || [ "$assigned" -gt 0 ]; then formed="$formed $h"; else alone="$alone $h"; fi',
    "done",
    'if [ -n "$formed" ] && [ -z "$alone" ]; then',
    '  echo "bootstrap: the cluster is already formed; nothing to do"',
    "  exit 0",
    "fi",
    'if [ -n "$formed" ]; then',
    '  echo "bootstrap: the cluster is formed but$alone are not in it (a lost volume?); add them by hand (redis-cli --cluster add-node, docs/infra.md), it is never re-created over its data" >&2',
    "  exit 1",
    "fi",
    'set --; for h in $HOSTS; do set -- "$@" "$h:6379"; done',
    `redis-cli --cluster create "$@" --cluster-replicas ${t.replicasPerShard} --cluster-yes`,
    "",
  ].join("\n");
}

/**
 * preStop of a cluster node: if it is a primary with a replica, ask that replica for a
 * coordinated `CLUSTER FAILOVER` (the primary pauses writes until the replica caught up) and wait
 * (bounded) until this node is a replica, so a rollout or drain moves the shard's primary instead
 * of letting it fail after the node timeout.
 */
export function redisClusterPreStopScript(t: ClusterTopology, pollSeconds = 1): string {
  const local = (cmd: string) => `timeout 3 redis-cli -p 6379 --raw ${cmd} 2>/dev/null`;
  return [
    "#!/bin/sh",
    "set -u",
    `REDISCLI_AUTH="$(cat ${t.passwordFile})"`,
    "export REDISCLI_AUTH",
    `info="$(${local("info replication")} | tr -d '\\r' || true)"`,
    'case "$info" in *role:master*) ;; *) exit 0;; esac',
    // The first online replica's address, as the primary sees it.
    "replica=\"$(printf '%s\\n' \"$info\" | sed -n 's/^slave[0-9]*:ip=\\([^,]*\\),port=\\([0-9]*\\),state=online.*/\\1/p' | head -n 1)\"",
    '[ -n "$replica" ] || { echo "preStop: this primary has no online replica to hand over to" >&2; exit 0; }',
    'timeout 3 redis-cli -h "$replica" -p 6379 cluster failover >/dev/null 2>&1 || true',
    "i=0",
    `while [ $i -lt ${PRESTOP_WAIT_TRIES} ]; do`,
    `  case "$(${local("info replication")} || true)" in *role:slave*) exit 0;; esac`,
    `  sleep ${pollSeconds}`,
    "  i=$((i + 1))",
    "done",
    `echo "preStop: still a primary after ${PRESTOP_WAIT_TRIES} tries; stopping anyway" >&2`,
    "exit 0",
    "",
  ].join("\n");
}
