import { describeFixtures } from "../rule-fixtures.js";
import { topologySpread } from "./topology-spread.js";

describeFixtures(topologySpread, "topology-spread");
