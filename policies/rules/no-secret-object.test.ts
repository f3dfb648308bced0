import { describeFixtures } from "../rule-fixtures.js";
import { noSecretObject } from "./no-secret-object.js";

describeFixtures(noSecretObject, "no-secret-object");
