// Tests of the course machinery itself (kernel, runner, grader), not of labs.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["course/tests/**/*.test.ts"],
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Two files at a time: most of a machinery test is waiting on a child (a kernel, a grader, a
    // notebook run), so two use the cores that one leaves idle. Every test cleans up only what it
    // started (its own process group, its own temp folder), which is what makes this safe.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
