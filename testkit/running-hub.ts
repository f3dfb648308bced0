// What every test sees of a running hub, however it was started: in this process
// (service/hub/testing/hub-harness.ts), as a child process (loadtests/harness/hub-process.ts) or as
// a container (chaos/hub-container.ts). Each launcher returns this shape.
export interface RunningHub {
  /** The node's id (NODE_ID) or container name. */
  readonly name: string;
  /** `ws://127.0.0.1:PORT/v1/ws` from this host. */
  readonly wsUrl: string;
  /** The public port: the publish API. */
  readonly httpUrl: string;
  /** The internal port: /livez, /readyz, /metrics. */
  readonly internalUrl: string;
  /** Drains (or stops) the hub and releases what the launcher started. */
  stop(): Promise<void>;
}
