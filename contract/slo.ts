// The service level objectives per stack, read from slo.json: the k6 scripts open() that file
// themselves (they cannot import this module), everything else imports it from here.
import slo from "./slo.json" with { type: "json" };
import type { StackName } from "./stack-schema.js";

/** One stack's objectives; times in ms, rates as fractions. */
export type Slo = (typeof slo)["prod"];

/** The objectives of every stack. */
export const SLO: Readonly<Record<StackName, Slo>> = { dev: slo.dev, prod: slo.prod };
