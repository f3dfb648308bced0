import { describeFixtures } from "../rule-fixtures.js";
import { ingressTls } from "./ingress-tls.js";

describeFixtures(ingressTls, "ingress-tls");
