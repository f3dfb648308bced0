import { describeFixtures } from "../rule-fixtures.js";
import { serviceType } from "./service-type.js";

describeFixtures(serviceType, "service-type");
