// Every environment variable the hub reads, written once. service/config.ts validates exactly
// these names (a test holds them equal), infra renders only these, and a name that looks like
// one of them but is not (a typo) is reported when the hub starts.

/** Plain settings. */
export const HUB_SETTINGS = [
  "NODE_ENV",
  "PORT",
  "INTERNAL_PORT",
  "HOST",
  "REDIS_URL",
  "REDIS_SENTINELS",
  "REDIS_SENTINEL_NAME",
  "REDIS_MIN_REPLICAS",
  "REDIS_CLUSTER_NODES",
  "AUTH_DISABLED",
  "ALLOWED_ORIGINS",
  "TRUSTED_PROXIES",
  "MAX_CONNECTIONS",
  "MAX_CONNECTIONS_PER_IP",
  "MAX_PAYLOAD_BYTES",
  "MAX_SUBSCRIPTIONS",
  "MAX_PUBLISH_RATE",
  "SLOW_CONSUMER_BYTES",
  "HEARTBEAT_SECONDS",
  "HISTORY_SIZE",
  "HISTORY_TTL_SECONDS",
  "DEDUPE_SECONDS",
  "DRAIN_SECONDS",
  "SHUTDOWN_DELAY_SECONDS",
  "LOG_LEVEL",
  "NODE_ID",
  "APP_VERSION",
  "MAX_SUBSCRIBE_RATE",
  "MAX_REFRESH_RATE",
  "MAX_CONNECTION_BYTES",
  "MAX_CHANNELS",
  "MAX_HTTP_SOCKETS",
  "HTTP_HEADERS_TIMEOUT_SECONDS",
  "HTTP_REQUEST_TIMEOUT_SECONDS",
  "CONTROL_TIMEOUT_SECONDS",
  "NODE_TTL_SECONDS",
  "NAMESPACES",
  "NAMESPACES_FILE",
  "MAX_PRESENCE_MEMBERS",
  "PRESENCE_HEARTBEAT_SECONDS",
  "MAX_PRESENCE_RATE",
] as const;

/** Secrets: each may also come as NAME_FILE, a mounted file re-read when it changes. */
export const HUB_SECRETS = [
  "REDIS_PASSWORD",
  "AUTH_JWT_SECRET",
  "AUTH_JWT_PUBLIC_KEY",
  "API_KEY",
  "API_KEYS",
] as const;

export type HubSettingName = (typeof HUB_SETTINGS)[number];
export type HubSecretName = (typeof HUB_SECRETS)[number];
export type HubEnvName = HubSettingName | HubSecretName | `${HubSecretName}_FILE`;

/** Every name the hub reads. */
export const HUB_ENV_NAMES: readonly HubEnvName[] = [
  ...HUB_SETTINGS,
  ...HUB_SECRETS,
  ...HUB_SECRETS.map((s) => `${s}_FILE` as const),
];

const KNOWN = new Set<string>(HUB_ENV_NAMES);

/** Whether the hub reads `name`. */
export function isHubEnvName(name: string): name is HubEnvName {
  return KNOWN.has(name);
}

/** Variables that Node base images set: close to a hub name (NPM_VERSION, APP_VERSION), not typos. */
const RUNTIME_NAMES = new Set(["NODE_VERSION", "NPM_VERSION", "YARN_VERSION", "COREPACK_VERSION"]);

/**
 * The known name that `name` is probably a typo of (at most two edits away, same words
 * reordered, or a missing/extra underscore), or undefined. Short names are skipped: PORT is one
 * edit from many unrelated variables.
 */
export function likelyTypoOf(name: string): HubEnvName | undefined {
  if (KNOWN.has(name) || RUNTIME_NAMES.has(name) || name.length < 6) return undefined;
  const upper = name.toUpperCase();
  for (const known of HUB_ENV_NAMES) {
    if (known.length < 6) continue;
    if (upper === known) return known;
    if (upper.replaceAll("_", "") === known.replaceAll("_", "")) return known;
    if (sortedWords(upper) === sortedWords(known)) return known;
    if (Math.abs(known.length - upper.length) <= 2 && editDistance(upper, known, 2) <= 2)
      return known;
  }
  return undefined;
}

/** Environment names that look like the hub's but are not: "NAME (did you mean KNOWN?)". */
export function unknownHubEnv(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const name of Object.keys(env)) {
    const known = likelyTypoOf(name);
    if (known !== undefined) out.push(`${name} (did you mean ${known}?)`);
  }
  return out.sort();
}

function sortedWords(name: string): string {
  return name.split("_").sort().join("_");
}

/** Levenshtein distance, giving up (returning max + 1) once it exceeds `max`. */
function editDistance(a: string, b: string, max: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] ?? max + 1;
}
