import { MemoryBroker } from "./memory-broker.js";
import { describeBroker } from "./testing/broker-contract.js";

describeBroker("memory", async (opts) => new MemoryBroker(opts));
