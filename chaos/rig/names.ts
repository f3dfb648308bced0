/** Label on every container and network a test starts; `cleanupLabelled()` removes them by it. */
export const TEST_LABEL = "wshub.test";

/** Pid of the process that started a container, so a run's cleanup spares another live run's. */
export const TEST_OWNER_LABEL = "wshub.test.pid";

/** Labels to pass to testcontainers: `new GenericContainer(image).withLabels(TEST_LABELS)`. */
export const TEST_LABELS: Readonly<Record<string, string>> = Object.freeze({
  [TEST_LABEL]: "true",
  [TEST_OWNER_LABEL]: String(process.pid),
});

/** Label on images the rig built locally because the public image could not be pulled. */
export const STANDIN_LABEL = "wshub.standin";

/** Public image names the tests use; the rig provides each one, pulled or built as a stand-in. */
export const DEBIAN_IMAGE = "debian:bookworm-slim";
export const NODE_IMAGE = "node:24-bookworm-slim";
export const REDIS_IMAGE = "redis:7";

/** The hub image `buildHubImage()` tags by default. */
export const HUB_IMAGE = "wshub:local";

/** Every base image in the order they must exist: the Node and Redis stand-ins build FROM Debian. */
export const BASE_IMAGES = [DEBIAN_IMAGE, NODE_IMAGE, REDIS_IMAGE] as const;
export type BaseImage = (typeof BASE_IMAGES)[number];
