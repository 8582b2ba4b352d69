import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // bin/medeval.js runs the sources, not the last build: the tests test what is checked out.
    env: { MEDEVAL_FROM_SOURCE: "1" },
  },
});
