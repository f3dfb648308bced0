import { describeFixtures } from "../rule-fixtures.js";
import { rbacPodExec } from "./rbac-pod-exec.js";

describeFixtures(rbacPodExec, "rbac-pod-exec");
