// Runs Pulumi code under `pulumi.runtime.setMocks` (no engine, no cluster) and returns every
// resource it registered. Used by the offline render and by the component tests.
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "./config.js";

export interface MockRun {
  registered: pulumi.runtime.MockResourceArgs[];
  /** The values the mocks generated for random passwords (scan output for them). */
  generatedSecrets: string[];
}

// The mocks runtime is process-global: runs go one at a time.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Sets mocks and config for `stack`, then runs `program` (which must import the modules that
 * create resources itself, after the mocks are set) and waits until every registration landed.
 */
export function runUnderMocks(
  stack: string,
  config: Record<string, string>,
  secretKeys: string[],
  program: () => Promise<void>,
): Promise<MockRun> {
  const run = queue.then(() => runOnce(stack, config, secretKeys, program));
  queue = run.catch(() => undefined);
  return run;
}

async function runOnce(
  stack: string,
  config: Record<string, string>,
  secretKeys: string[],
  program: () => Promise<void>,
): Promise<MockRun> {
  const registered: pulumi.runtime.MockResourceArgs[] = [];
  const generatedSecrets: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push(args);
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "random:index/randomPassword:RandomPassword") {
          const value = randomBytes(24).toString("base64url");
          generatedSecrets.push(value);
          state.result = value;
        }
        // Without a name in the returned state, `metadata.name` outputs resolve to undefined.
        if (args.type.startsWith("kubernetes:")) {
          state.metadata = {
            ...args.inputs.metadata,
            name: args.inputs.metadata?.name ?? args.name,
          };
        }
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  await program();
  await waitForRegistrations();
  return { registered, generatedSecrets };
}

// Every registerResource holds an RPC keep-alive until the mock monitor answered; waiting for the
// queue to drain is what the SDK does before a program exits. Internal to the SDK, so checked.
async function waitForRegistrations(): Promise<void> {
  const wait = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (typeof wait !== "function") {
    throw new Error(
      "this @pulumi/pulumi has no runtime.waitForRPCs: pin @pulumi/pulumi 3.248.0 for offline renders",
    );
  }
  await wait();
}
