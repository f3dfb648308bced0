import { MemoryControlGroup, MemoryControlPlane } from "./control-memory.js";
import { describeControlPlane } from "./testing/control-contract.js";

const group = new MemoryControlGroup();
describeControlPlane("memory", (nodeId) => new MemoryControlPlane(nodeId, group));
