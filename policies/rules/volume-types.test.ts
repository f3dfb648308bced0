import { describeFixtures } from "../rule-fixtures.js";
import { volumeTypes } from "./volume-types.js";

describeFixtures(volumeTypes, "volume-types");
