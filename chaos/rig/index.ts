// The rig's public surface: chaos scenarios, vitest globalSetup and the CLI use only this.

export { ensureChromium, screenshot } from "./chromium.js";
export { type CleanupOptions, cleanupLabelled } from "./cleanup.js";
export { ensureEngine } from "./engine.js";
export { RigError, type RigErrorCode } from "./errors.js";
export { type BuildHubImageOptions, buildHubImage } from "./hub-image.js";
export { type EnsureImagesOptions, ensureImages, type ImageOutcome } from "./images.js";
export {
  BASE_IMAGES,
  DEBIAN_IMAGE,
  HUB_IMAGE,
  NODE_IMAGE,
  REDIS_IMAGE,
  STANDIN_LABEL,
  TEST_LABEL,
  TEST_LABELS,
  TEST_OWNER_LABEL,
} from "./names.js";
export { startTestNetwork } from "./test-network.js";
