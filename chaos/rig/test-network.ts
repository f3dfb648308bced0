import { getContainerRuntimeClient, randomUuid, StartedNetwork } from "testcontainers";
import { TEST_LABELS } from "./names.js";

/**
 * A bridge network for testcontainers that carries the test label, so `cleanupLabelled()` finds
 * it after a crash (testcontainers' own `new Network()` takes no labels).
 * Use: `await using network = await startTestNetwork(); container.withNetwork(network)`.
 */
export async function startTestNetwork(): Promise<StartedNetwork> {
  const client = await getContainerRuntimeClient();
  const name = `wshub-test-${randomUuid()}`;
  const network = await client.network.create({
    Name: name,
    Driver: "bridge",
    CheckDuplicate: true,
    Labels: { ...TEST_LABELS },
  });
  return new StartedNetwork(client, name, network);
}
