import { describeFixtures } from "../rule-fixtures.js";
import { noHostProcess } from "./no-host-process.js";

describeFixtures(noHostProcess, "no-host-process");
