// Pulumi program entry (Pulumi.yaml `main`): read the config once, create the stack.
import { loadConfig } from "./config.js";
import { deployStack } from "./stack.js";

const outputs = deployStack(loadConfig());

export const namespace = outputs.namespace;
export const hubService = outputs.hubService;
export const vaultPaths = outputs.vaultPaths;
