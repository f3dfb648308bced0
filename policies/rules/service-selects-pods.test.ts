import { describeFixtures } from "../rule-fixtures.js";
import { serviceSelectsPods } from "./service-selects-pods.js";

describeFixtures(serviceSelectsPods, "service-selects-pods");
