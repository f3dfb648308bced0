// Shell run by the Redis init container: writes redis.conf (and sentinel.conf) into an emptyDir
// from the password file, so the password never appears in a manifest, an env var or argv.

/** What the init script needs to know about the topology. */
export interface RedisTopology {
  mode: "sentinel" | "single";
  masterName: string;
  /** FQDN of every pod, pod 0 first; pod 0 is the primary on a cold start. */
  podHosts: readonly string[];
  quorum: number;
  minReplicasAck: number;
  passwordFile: string;
}

/** Redis settings that do not depend on the pod (mounted from a ConfigMap). */
export const REDIS_BASE_CONF = [
  "port 6379",
  "dir /data",
  "appendonly yes",
  "appendfsync everysec",
  "protected-mode no",
  'save ""',
  "maxmemory-policy noeviction",
  "",
].join("\n");

/** The init script for one StatefulSet; pods find their own FQDN from $HOSTNAME. */
export function redisInitScript(t: RedisTopology): string {
  const hosts = t.podHosts.join(" ");
  const pod0 = t.podHosts[0] ?? "";
  const domain = pod0.slice(pod0.indexOf("."));
  const common = [
    "#!/bin/sh",
    "set -eu",
    `PASS="$(cat ${t.passwordFile})"`,
    `SELF="$HOSTNAME${domain}"`,
    "umask 077",
  ];
  if (t.mode === "single") {
    return [
      ...common,
      "{",
      '  echo "include /etc/redis/base.conf"',
      "  printf 'requirepass %s\\n' \"$PASS\"",
      "} > /run/redis/redis.conf",
      "",
    ].join("\n");
  }
  return [
    ...common,
    // Ask the running Sentinels for the current primary (bounded: one try per host, 3 s each);
    // nobody answers only on a cold start, where pod 0 becomes the primary.
    'MASTER=""',
    `for h in ${hosts}; do`,
    '  [ "$h" = "$SELF" ] && continue',
    `  MASTER="$(timeout 3 redis-cli -h "$h" -p 26379 --raw sentinel get-master-addr-by-name ${t.masterName} 2>/dev/null | head -n 1 || true)"`,
    '  [ -n "$MASTER" ] && break',
    "done",
    `[ -n "$MASTER" ] || MASTER="${pod0}"`,
    "{",
    '  echo "include /etc/redis/base.conf"',
    '  printf \'requirepass %s\\nmasterauth %s\\n\' "$PASS" "$PASS"',
    '  echo "replica-announce-ip $SELF"',
    `  echo "min-replicas-to-write ${t.minReplicasAck}"`,
    '  echo "min-replicas-max-lag 10"',
    '  [ "$MASTER" = "$SELF" ] || echo "replicaof $MASTER 6379"',
    "} > /run/redis/redis.conf",
    "{",
    '  echo "port 26379"',
    '  echo "sentinel resolve-hostnames yes"',
    '  echo "sentinel announce-hostnames yes"',
    '  echo "sentinel announce-ip $SELF"',
    `  echo "sentinel monitor ${t.masterName} $MASTER 6379 ${t.quorum}"`,
    `  printf 'sentinel auth-pass ${t.masterName} %s\\n' "$PASS"`,
    `  echo "sentinel down-after-milliseconds ${t.masterName} 5000"`,
    `  echo "sentinel failover-timeout ${t.masterName} 60000"`,
    `  echo "sentinel parallel-syncs ${t.masterName} 1"`,
    "} > /run/redis/sentinel.conf",
    "",
  ].join("\n");
}
