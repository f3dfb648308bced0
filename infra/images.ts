// Third-party images the stacks run, in one place: bump a tag here and every stack follows.

/**
 * Redis (and Sentinel). 7.4.6 fixes the Lua remote-code-execution bugs (CVE-2025-49844 and the
 * older CVE-2024-31449); the hub needs Lua, so ACLs that forbid EVAL are no workaround.
 */
export const REDIS_IMAGE = "redis:7.4.6";
/** Prometheus exporter beside each Redis and Sentinel (redis_up, redis_sentinel_* metrics). */
export const REDIS_EXPORTER_IMAGE = "oliver006/redis_exporter:v1.67.0";
