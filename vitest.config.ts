import { defineConfig } from "vitest/config";

// One runner, split by what a test needs: unit tests start nothing outside this process;
// integration tests use real Redis containers and real hub processes; chaos drives containers.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{contract,testkit,service,loadtests,chaos,scripts,ci}/**/*.test.ts"],
          exclude: ["**/test/**", "chaos/scenarios/**", "**/node_modules/**"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          globalSetup: ["chaos/rig/global-setup.ts"],
          include: ["{service,loadtests,chaos}/**/test/**/*.test.ts"],
          exclude: ["**/*.browser.test.ts", "**/node_modules/**"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // Real Chromium (Debian's, installed by the setup when missing) on real hub processes.
          name: "browser",
          globalSetup: ["service/client/test/browser/global-setup.ts"],
          include: ["service/**/test/**/*.browser.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "infra",
          globalSetup: ["infra/testing/global-setup.ts"],
          include: ["infra/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "policies",
          include: ["policies/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "chaos",
          globalSetup: ["chaos/global-setup.ts"],
          include: ["chaos/scenarios/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
