// The process entry: `node dist/service/main.js`. Starts one node when imported, drains it on
// SIGTERM/SIGINT and exits 0; a second signal exits at once. SIGTERM (Kubernetes, docker stop)
// first waits SHUTDOWN_DELAY for endpoints to drop the pod; SIGINT (Ctrl-C) drains at once.
import { loadConfig } from "./config.js";
import { ConfigError } from "./errors.js";
import { HubNode } from "./hub/node.js";

async function main(): Promise<void> {
  let node: HubNode;
  try {
    node = new HubNode(loadConfig());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`wshub: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      node.log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    signalled = true;
    const endpointDelay = signal !== "SIGINT";
    node.log.info({ signal }, "shutting down");
    // Drain is bounded by SHUTDOWN_DELAY + DRAIN; the timer is a last resort if a close hangs.
    const hardStop = setTimeout(
      () => process.exit(1),
      node.config.shutdownDelayMs + node.config.drainMs + 2_000,
    );
    hardStop.unref();
    node.stop({ endpointDelay }).then(
      () => process.exit(0),
      (err: unknown) => {
        node.log.error({ err: String(err) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("uncaughtException", (err) => {
    node.log.fatal({ err: err.message, stack: err.stack }, "uncaught exception");
    process.exit(1);
  });
  try {
    await node.start();
  } catch (err) {
    node.log.fatal(
      { err: String(err) },
      "could not start: check the settings and that the port is free",
    );
    process.exit(1);
  }
}

await main();
