import { describeFixtures } from "../rule-fixtures.js";
import { priorityClass } from "./priority-class.js";

describeFixtures(priorityClass, "priority-class");
