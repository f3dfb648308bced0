// What the server API's routes need from their node.
import type { Broker, ControlPlane } from "../../bus/index.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../metrics.js";

export type ApiDeps = {
  broker: Broker;
  control: ControlPlane;
  metrics: Metrics;
  log: Logger;
  maxPayloadBytes: number;
  /** How long a cross-node call waits for every node (CONTROL_TIMEOUT_SECONDS), in ms. */
  controlTimeoutMs: number;
};
