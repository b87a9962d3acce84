import { defineConfig } from "vitest/config";

// Tiers run in one command; heavy tiers are slower, never skipped.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
    fileParallelism: false,
    reporters: ["default"],
  },
});
