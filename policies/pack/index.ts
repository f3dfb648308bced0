// The policy pack entry (PulumiPolicy.yaml `main`). Constructing a PolicyPack starts the gRPC
// server the Pulumi engine talks to, so nothing but the engine (and the smoke test) loads this.
import { PolicyPack } from "@pulumi/policy";
import { packPolicies } from "./policies.js";

new PolicyPack("wshub", {
  description:
    "wshub: safety rules for Kubernetes objects (the same rules as `npm run policy:check`).",
  policies: packPolicies(),
});
