import { describeFixtures } from "../rule-fixtures.js";
import { noAutomountToken } from "./no-automount-token.js";

describeFixtures(noAutomountToken, "no-automount-token");
