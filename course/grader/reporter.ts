// The grader's vitest reporter. It runs in vitest's main process and streams
// one event line per finished test, per test file loaded and per file that
// failed to load, over the results channel (fd 3, see events.ts): the only
// source of results the grader believes. Nothing is printed: the grader prints.
import type { Reporter, TestCase, TestModule, TestSuite, Vitest } from "vitest/node";
import type { SerializedError } from "vitest";
import { closeOnExec } from "../foundation/libc";
import { resultsChannelOpen, sendResult, type OutcomeState } from "./events";
import { stripAnsi } from "../foundation/text";
import { explainFailure } from "./failure";
import { RESULTS_FD } from "./run-env";
import { courseRoot } from "../foundation/layout";

/** ["describe", "nested describe", "test name"] */
function describePath(test: TestCase): string[] {
  const names = [test.name];
  let parent: TestSuite | TestModule = test.parent;
  while (parent.type === "suite") {
    names.unshift(parent.name);
    parent = parent.parent;
  }
  return names;
}

function testsOf(module: TestModule): string[][] {
  return [...module.children.allTests()].map(describePath);
}

/** A load error as the learner needs it: esbuild's "file:line:col: message" line, and the code frame. */
function loadErrorMessage(error: SerializedError): string {
  const message = stripAnsi(error.message).replace(/^Transform failed with \d+ errors?:\n/, "");
  const rollup = error.__vitest_rollup_error__ as { frame?: unknown } | undefined;
  const frame =
    typeof rollup?.frame === "string"
      ? stripAnsi(rollup.frame)
          .replace(/^\n.*\n/, "")
          .trimEnd()
      : "";
  return frame ? `${message}\n${frame}` : message;
}

// vitest's main process inherited the channel without close-on-exec; set it before any worker
// or helper is started, so that no program started from here holds it.
if (resultsChannelOpen()) closeOnExec(RESULTS_FD);

export default class GradeReporter implements Reporter {
  private testTimeoutMs = 0;

  onInit(vitest: Vitest): void {
    this.testTimeoutMs = vitest.config.testTimeout;
  }

  // Once per run: `vitest run` has one; a warm vitest (watch mode, warm-vitest.ts) one per save.
  onTestRunStart(): void {
    sendResult({ type: "run-start", testTimeoutMs: this.testTimeoutMs });
  }

  onTestModuleCollected(module: TestModule): void {
    const errors = module.errors();
    const first = errors[0];
    if (first) sendResult({ type: "load-error", file: module.moduleId, message: loadErrorMessage(first) });
    sendResult({ type: "collected", file: module.moduleId, tests: testsOf(module) });
  }

  onTestCaseResult(test: TestCase): void {
    const result = test.result();
    let state: OutcomeState = "pass";
    let message: string | undefined;
    if (result.state === "skipped") {
      state = "skip";
      message = "skipped (it.skip, it.todo or ctx.skip): a skipped test earns nothing";
    } else if (result.state === "failed") {
      ({ state, message } = explainFailure(result.errors[0], courseRoot));
    }
    sendResult({
      type: "finished",
      from: "reporter",
      file: test.module.moduleId,
      path: describePath(test),
      state,
      ...(message === undefined ? {} : { message }),
      durationMs: Math.round(test.diagnostic()?.duration ?? 0),
    });
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    for (const error of unhandledErrors) {
      const { VITEST_TEST_PATH: file, VITEST_TEST_NAME: lastTest } = error;
      sendResult({
        type: "unhandled-error",
        message: explainFailure(error, courseRoot).message,
        ...(typeof file === "string" ? { file } : {}),
        ...(typeof lastTest === "string" ? { lastTest } : {}),
      });
    }
    sendResult({ type: "run-end" });
  }
}
