import { describeFixtures } from "../rule-fixtures.js";
import { noDuplicateEnv } from "./no-duplicate-env.js";

describeFixtures(noDuplicateEnv, "no-duplicate-env");
