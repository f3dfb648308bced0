// Rule options per stack, taken from the one settings module the cluster is built from.
import { GRACE_MARGIN_SECONDS, settingsFor } from "../contract/index.js";
import { DEFAULT_KUBERNETES_VERSION } from "./kubernetes-version.js";
import type { PolicyOptions, StackName } from "./types.js";

/** The options for a stack: its hub drain numbers from contract/stack-settings.ts, then `overrides`. */
export function optionsFor(stack: StackName, overrides: Partial<PolicyOptions> = {}) {
  const { shutdown } = settingsFor(stack);
  const options: PolicyOptions = {
    stack,
    drainSeconds: shutdown.drainSeconds,
    shutdownDelaySeconds: shutdown.shutdownDelaySeconds,
    graceMarginSeconds: GRACE_MARGIN_SECONDS,
    defaultNamespace: "default",
    kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
    ...overrides,
  };
  return Object.freeze(options);
}

/** Parses a stack name from a flag or config value; undefined when it is not one. */
export function stackNameOf(value: unknown): StackName | undefined {
  return value === "dev" || value === "prod" ? value : undefined;
}
