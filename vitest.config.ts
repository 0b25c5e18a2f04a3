import { configDefaults, defineConfig } from "vitest/config";

/** Where CI asks for a machine-readable summary (see .ci/run). */
const resultsFile = process.env.ROSTER_TEST_RESULTS;
/** CI runs the package test as a stage of its own (see .ci/run). */
const skipPackage = process.env.ROSTER_TEST_SKIP_PACKAGE === "1";

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: "core", include: ["packages/core/src/**/*.test.ts"] } },
      { extends: true, test: { name: "daemon", include: ["packages/daemon/src/**/*.test.ts"] } },
      { extends: true, test: { name: "tui", include: ["packages/tui/src/**/*.test.{ts,tsx}"] } },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/package/**"],
        },
      },
      // The packed tarball installed into a temporary prefix and run from there.
      ...(skipPackage
        ? []
        : [
            {
              extends: true as const,
              test: { name: "package", include: ["test/package/**/*.test.ts"] },
            },
          ]),
    ],
    env: { FORCE_COLOR: "0" },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: resultsFile ? ["default", ["json", { outputFile: resultsFile }]] : ["default"],
  },
});
