// The course's vitest config (vitest.config.ts at the root), as the grader runs
// it: only one lab's tests, the grader's reporter instead of vitest's console
// output, and the test trace that survives a hung test (see events.ts).
import { defineConfig } from "vitest/config";
import base from "../../vitest.config";
import { TESTS_DIR_VARIABLE } from "./run-env";

const testsDir = process.env[TESTS_DIR_VARIABLE];
if (!testsDir) {
  throw new Error(`${TESTS_DIR_VARIABLE} is not set: this config is for the grader; run \`npm run grade\` instead`);
}

const baseSetup = base.test?.setupFiles ?? [];

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [`${testsDir}/**/*.test.ts`],
    setupFiles: [...(Array.isArray(baseSetup) ? baseSetup : [baseSetup]), "./course/grader/test-trace.ts"],
    reporters: ["./course/grader/reporter.ts"],
    chaiConfig: { truncateThreshold: 0 }, // the learner reads whole values in a failure, never "'Error: read 64 MiB…'"
    // The grader shows no console output (only the end of it, when vitest itself fails), and
    // vitest's interception costs per call: a test printing 50 MiB held its event loop long
    // enough to look stuck. Straight to stdout it is a quick write to a pipe.
    disableConsoleIntercept: true,
  },
});
