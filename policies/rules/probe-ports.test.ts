import { describeFixtures } from "../rule-fixtures.js";
import { probePorts } from "./probe-ports.js";

describeFixtures(probePorts, "probe-ports");
