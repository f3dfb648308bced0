import { describeBroker } from "./broker-contract.js";
import { MemoryBroker } from "./broker-memory.js";

describeBroker("memory", async (opts) => new MemoryBroker(opts));
