// Shell run in the Redis pods: the init script writes redis.conf (and sentinel.conf) into an
// emptyDir from the password file, so the password never appears in a manifest, an env var or
// argv; the preStop hook hands the primary over before the pod stops; the reload loop carries a
// rotated password into the running Redis and Sentinel. Values reach redis-cli on stdin only.

/** What the scripts need to know about the topology. */
export interface RedisTopology {
  mode: "sentinel" | "single" | "cluster";
  masterName: string;
  /** FQDN of every pod, pod 0 first; pod 0 is the primary on a cold start. */
  podHosts: readonly string[];
  quorum: number;
  minReplicasAck: number;
  passwordFile: string;
}

/** Where the scripts write the live configuration (a memory emptyDir). */
export const RUN_DIR = "/run/redis";
/** The exporter's password file: a JSON map of Redis URI to password. */
export const EXPORTER_PASSWORD_FILE = `${RUN_DIR}/exporter-passwords.json`;
/**
 * The exporter's own ACL user, with a password made per pod start: a rotation of the main
 * password never locks the exporter out (it reads its file once), and it can only read stats.
 */
export const METRICS_USER = "metrics";
const METRICS_ACL =
  "-@all +@connection +info +config|get +slowlog +latency +memory +client|list +select";
/** Share of the container memory limit given to `maxmemory`: the rest covers fork copy-on-write
 * during AOF rewrites, replication buffers and the allocator's overhead. */
export const MAXMEMORY_SHARE = 0.6;
/** Attempts (1 s apart) the preStop hook waits for Sentinel to move the primary away. */
export const PRESTOP_WAIT_TRIES = 20;
/** How long the preStop pauses writes on the primary while Sentinel hands it over (ms). */
export const PAUSE_MS = 3_000;
/** Seconds both passwords are accepted during a rotation, so every pod and hub switches. */
export const ROTATION_OVERLAP_SECONDS = 120;

// What follows the pod name in a pod's FQDN ("" for a bare name): $HOSTNAME + this = the FQDN.
export function domainOf(host: string): string {
  const dot = host.indexOf(".");
  return dot === -1 ? "" : host.slice(dot);
}

/** `maxmemory` in MiB for a container memory limit in MiB. */
export function maxmemoryMiB(limitMiB: number): number {
  return Math.floor(limitMiB * MAXMEMORY_SHARE);
}

/** Redis settings that do not depend on the pod (mounted from a ConfigMap). */
export function redisBaseConf(limitMiB: number): string {
  return [
    "port 6379",
    "dir /data",
    "appendonly yes",
    "appendfsync everysec",
    "protected-mode no",
    'save ""',
    // Errors instead of an OOM kill: writes are refused once the data reaches maxmemory.
    `maxmemory ${maxmemoryMiB(limitMiB)}mb`,
    "maxmemory-policy noeviction",
    "",
  ].join("\n");
}

const cli = (port: number, auth: string | undefined, cmd: string) =>
  `${auth ? `REDISCLI_AUTH="${auth}" ` : ""}timeout 3 redis-cli -p ${port} --raw ${cmd}`;

/** A probe command: `PONG`, or (liveness) also `LOADING` while Redis loads its data. */
export function pingCommand(port: number, passwordFile: string | undefined, loadingOk: boolean) {
  const auth = passwordFile ? `$(cat ${passwordFile})` : undefined;
  return [
    `out="$(${cli(port, auth, "ping")} 2>&1 || true)"`,
    `case "$out" in PONG${loadingOk ? "|LOADING*" : ""}) exit 0;; esac`,
    "exit 1",
  ].join("; ");
}

/**
 * Readiness of a Redis container: `PONG`, and on a replica its link to the primary up (synced).
 * A restarted replica is ready only once it has resynced, so a rolling restart never takes the
 * next pod while the primary has no synced replica to acknowledge writes (REDIS_MIN_REPLICAS).
 */
export function redisReadyCommand(
  port: number,
  passwordFile: string | undefined,
  { clusterState = false }: { clusterState?: boolean } = {},
) {
  const auth = passwordFile ? `$(cat ${passwordFile})` : undefined;
  return [
    `out="$(${cli(port, auth, "ping")} 2>&1 || true)"`,
    '[ "$out" = PONG ] || exit 1',
    // A cluster node also needs an ok cluster: formed, its slots served, in the majority.
    ...(clusterState
      ? [
          `state="$(${cli(port, auth, "cluster info")} 2>&1 || true)"`,
          'case "$state" in *cluster_state:ok*) ;; *) exit 1;; esac',
        ]
      : []),
    `info="$(${cli(port, auth, "info replication")} 2>&1 || true)"`,
    'case "$info" in *role:slave*) case "$info" in *master_link_status:up*) exit 0;; esac; exit 1;; esac',
    "exit 0",
  ].join("; ");
}

// The primary Sentinel reports, accepted only when it is one of our pods: anything else
// (an error reply, IDONTKNOW, an empty answer) is no answer.
function askPrimary(t: RedisTopology, host: string): string[] {
  return [
    `  A="$(timeout 3 redis-cli -h ${host} -p 26379 --raw sentinel get-master-addr-by-name ${t.masterName} 2>/dev/null | head -n 1 || true)"`,
    '  case " $HOSTS " in *" $A "*) MASTER="$A" ;; esac',
  ];
}

/**
 * The start of every init script: reads the password, finds this pod's FQDN ($SELF) and makes the
 * exporter's per-start password ($METRICS_PASS, written to its file).
 */
export function initPreamble(t: RedisTopology): string[] {
  return [
    "#!/bin/sh",
    "set -eu",
    `PASS="$(cat ${t.passwordFile})"`,
    '[ -n "$PASS" ] || { echo "init: the password file is empty" >&2; exit 1; }',
    `SELF="$HOSTNAME${domainOf(t.podHosts[0] ?? "")}"`,
    "umask 077",
    "METRICS_PASS=\"$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \\n')\"",
    `printf '{"redis://localhost:6379":"%s"}\\n' "$METRICS_PASS" > ${EXPORTER_PASSWORD_FILE}`,
  ];
}

/** The redis.conf line (inside the init script's block) that creates the exporter's user. */
export function metricsUserLine(extraAcl = ""): string {
  return `  printf 'user ${METRICS_USER} on >%s ${METRICS_ACL}${extraAcl}\\n' "$METRICS_PASS"`;
}

/** The init script for one StatefulSet; pods find their own FQDN from $HOSTNAME. */
export function redisInitScript(t: RedisTopology): string {
  const pod0 = t.podHosts[0] ?? "";
  const common = initPreamble(t);
  const metricsUser = metricsUserLine();
  if (t.mode === "single") {
    return [
      ...common,
      "{",
      '  echo "include /etc/redis/base.conf"',
      "  printf 'requirepass %s\\n' \"$PASS\"",
      metricsUser,
      `} > ${RUN_DIR}/redis.conf`,
      "",
    ].join("\n");
  }
  return [
    ...common,
    `HOSTS="${t.podHosts.join(" ")}"`,
    // Ask the running Sentinels for the current primary (bounded: one try per host, 3 s each);
    // nobody answers only on a cold start, where pod 0 becomes the primary.
    'MASTER=""',
    "for h in $HOSTS; do",
    '  [ "$h" = "$SELF" ] && continue',
    ...askPrimary(t, '"$h"'),
    '  [ -n "$MASTER" ] && break',
    "done",
    `[ -n "$MASTER" ] || MASTER="${pod0}"`,
    "{",
    '  echo "include /etc/redis/base.conf"',
    '  printf \'requirepass %s\\nmasterauth %s\\n\' "$PASS" "$PASS"',
    metricsUser,
    '  echo "replica-announce-ip $SELF"',
    `  echo "min-replicas-to-write ${t.minReplicasAck}"`,
    '  echo "min-replicas-max-lag 10"',
    '  [ "$MASTER" = "$SELF" ] || echo "replicaof $MASTER 6379"',
    `} > ${RUN_DIR}/redis.conf`,
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
    `} > ${RUN_DIR}/sentinel.conf`,
    "",
  ].join("\n");
}

/**
 * preStop of both containers of a Sentinel pod: if this pod is the primary, ask the local
 * Sentinel for a failover and wait (bounded) until Sentinel names another primary, so a rollout
 * or a drain is a planned handover instead of a 5 s outage detected by timeouts.
 */
export function redisPreStopScript(t: RedisTopology): string {
  const domain = domainOf(t.podHosts[0] ?? "");
  const primary = `timeout 3 redis-cli -p 26379 --raw sentinel get-master-addr-by-name ${t.masterName} 2>/dev/null | head -n 1 || true`;
  return [
    "#!/bin/sh",
    "set -u",
    `SELF="$HOSTNAME${domain}"`,
    `[ "$(${primary})" = "$SELF" ] || exit 0`,
    // Writes wait (not fail) until the handover: a write acknowledged by the other replica after
    // the promoted one's last sync would be lost when that replica follows the new primary.
    `REDISCLI_AUTH="$(cat ${t.passwordFile})" timeout 3 redis-cli -p 6379 client pause ${PAUSE_MS} WRITE >/dev/null 2>&1 || true`,
    // A second container's hook may already have started it: INPROG is fine.
    `timeout 3 redis-cli -p 26379 sentinel failover ${t.masterName} >/dev/null 2>&1 || true`,
    "i=0",
    `while [ $i -lt ${PRESTOP_WAIT_TRIES} ]; do`,
    `  [ "$(${primary})" = "$SELF" ] || exit 0`,
    "  sleep 1",
    "  i=$((i + 1))",
    "done",
    `echo "preStop: still the primary after ${PRESTOP_WAIT_TRIES} s; stopping anyway" >&2`,
    "exit 0",
    "",
  ].join("\n");
}

/**
 * The password-reload loop (one container per Redis pod): when the agent rewrites the password
 * file, Redis accepts both passwords, switches its replication and Sentinel credentials, and after
 * ROTATION_OVERLAP_SECONDS accepts only the new one. The live redis.conf is updated too, so a
 * container restart keeps the new password.
 */
export function redisReloadScript(
  t: RedisTopology,
  pollSeconds = 10,
  overlapSeconds = ROTATION_OVERLAP_SECONDS,
): string {
  const sentinel = t.mode === "sentinel";
  return [
    "#!/bin/sh",
    "set -u",
    `FILE=${t.passwordFile}`,
    'OLD="$(cat "$FILE")"',
    `touch ${RUN_DIR}/reload-ready`,
    'send() { if [ -n "$1" ]; then export REDISCLI_AUTH="$1"; else unset REDISCLI_AUTH; fi; out="$(timeout 5 redis-cli -p "$2" --raw 2>&1)"; case "$out" in *ERR*|*NOAUTH*|*WRONGPASS*) return 1;; esac; }',
    "while :; do",
    `  sleep ${pollSeconds}`,
    '  NEW="$(cat "$FILE" 2>/dev/null || true)"',
    '  { [ -n "$NEW" ] && [ "$NEW" != "$OLD" ]; } || continue',
    `  printf 'ACL SETUSER default on >%s\\nCONFIG SET masterauth %s\\n' "$NEW" "$NEW" | send "$OLD" 6379 || { echo "reload: Redis refused the new password" >&2; continue; }`,
    ...(sentinel
      ? [
          `  printf 'SENTINEL SET ${t.masterName} auth-pass %s\\n' "$NEW" | send "" 26379 || echo "reload: Sentinel refused the new password" >&2`,
        ]
      : []),
    `  while IFS= read -r line; do case "$line" in "requirepass "*) printf 'requirepass %s\\n' "$NEW";; "masterauth "*) printf 'masterauth %s\\n' "$NEW";; *) printf '%s\\n' "$line";; esac; done < ${RUN_DIR}/redis.conf > ${RUN_DIR}/redis.conf.new && mv ${RUN_DIR}/redis.conf.new ${RUN_DIR}/redis.conf`,
    `  sleep ${overlapSeconds}`,
    `  printf 'CONFIG SET requirepass %s\\n' "$NEW" | send "$NEW" 6379 || echo "reload: could not drop the old password" >&2`,
    '  OLD="$NEW"',
    "done",
    "",
  ].join("\n");
}
