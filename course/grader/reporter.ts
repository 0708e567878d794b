// The grader's vitest reporter. It runs in vitest's main process and streams
// one event line per finished test, per test file loaded and per file that
// failed to load (see events.ts). Nothing is printed: the grader prints.
import type { Reporter, TestCase, TestModule, TestSuite, Vitest } from "vitest/node";
import type { SerializedError } from "vitest";
import { courseRoot } from "../impl";
import { recordEvent, type OutcomeState } from "./events";
import { explainFailure, stripAnsi } from "./failure";

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
  const frame = typeof rollup?.frame === "string" ? stripAnsi(rollup.frame).replace(/^\n.*\n/, "").trimEnd() : "";
  return frame ? `${message}\n${frame}` : message;
}

export default class GradeReporter implements Reporter {
  onInit(vitest: Vitest): void {
    recordEvent({ type: "run-start", testTimeoutMs: vitest.config.testTimeout });
  }

  onTestModuleCollected(module: TestModule): void {
    const errors = module.errors();
    const first = errors[0];
    if (first) recordEvent({ type: "load-error", file: module.moduleId, message: loadErrorMessage(first) });
    recordEvent({ type: "collected", file: module.moduleId, tests: testsOf(module) });
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
    recordEvent({
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
      recordEvent({
        type: "unhandled-error",
        message: explainFailure(error, courseRoot).message,
        ...(typeof file === "string" ? { file } : {}),
        ...(typeof lastTest === "string" ? { lastTest } : {}),
      });
    }
    recordEvent({ type: "run-end" });
  }
}
