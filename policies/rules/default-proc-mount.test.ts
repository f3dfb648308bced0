import { describeFixtures } from "../rule-fixtures.js";
import { defaultProcMount } from "./default-proc-mount.js";

describeFixtures(defaultProcMount, "default-proc-mount");
