import { MemoryPresence } from "./memory-presence.js";
import { describePresence } from "./testing/presence-contract.js";

describePresence("memory", async () => {
  const store = new MemoryPresence();
  return { a: store, b: store, nodeA: "n1", nodeB: "n1" };
});
