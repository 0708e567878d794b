// One test suite, two implementations. COURSE_IMPL picks which one the
// `@impl/...` imports in the lab tests resolve to:
//   labs       (default) the learner's work, graded by `npm run grade`
//   solutions  the model answers, proven by `npm test`
import { defineConfig } from "vitest/config";
import { implRoot } from "./course/foundation/layout";

export default defineConfig({
  resolve: {
    alias: [{ find: /^@impl\/(.*)$/, replacement: `${implRoot()}/$1` }],
  },
  test: {
    include: ["labs/*/tests/**/*.test.ts"],
    // Child processes, not threads: labs change umask, cwd and signal handlers.
    pool: "forks",
    setupFiles: ["./course/testkit/setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    teardownTimeout: 10_000,
    // Each file already runs its own processes; keep the machine calm.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
