import { describeFixtures } from "../rule-fixtures.js";
import { noClusterAdminBinding } from "./no-cluster-admin-binding.js";

describeFixtures(noClusterAdminBinding, "no-cluster-admin-binding");
