// From the event lines of one vitest run to one outcome per test: what passed,
// what failed and why, which file did not load, and, when the run had to be
// stopped, which test was running and which never ran.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { GradeEvent, OutcomeState, TestRef } from "./events";
import type { StopReason } from "./watchdog";
import { seconds } from "../foundation/text";

export interface TestOutcome {
  /** The test file, relative to the course root. */
  file: string;
  /** The describe path joined with " > ": "parseStat > keeps spaces inside comm". */
  name: string;
  /** The task (top-level describe) it belongs to; null when it is outside every task of the manifest. */
  task: string | null;
  state: OutcomeState;
  /** Why the test failed, readable; for a test not run, why not. */
  message?: string;
  /**
   * Set when vitest skipped the test (it.skip, it.skipIf, ctx.skip): it is not
   * scored, and this says why ("not run here: needs faketime", "skipped").
   * Tests the grader could not run because the lab hung are not marked: they count.
   */
  notRun?: string;
  durationMs: number;
}

export interface OutcomeInput {
  events: GradeEvent[];
  /** Every test file of the lab, relative to the course root, so a file vitest never loaded is not forgotten. */
  testFiles: string[];
  /** The manifest's task ids for this lab. */
  taskIds: string[];
  /** Set when the grader stopped the run (time limit, or a test process stuck in synchronous code). */
  stopped?: StopReason;
  courseRoot: string;
}

export interface OutcomeSummary {
  outcomes: TestOutcome[];
  compileError?: string;
  hung?: string;
}

const key = (ref: TestRef): string => `${ref.file}\0${ref.path.join("\0")}`;

function taskOf(testPath: string[], taskIds: Set<string>): string | null {
  const top = testPath[0];
  return testPath.length > 1 && top !== undefined && taskIds.has(top) ? top : null;
}

/** The task ids whose `describe("id", ...)` appears in a test file: what a file that did not load would have tested. */
function tasksInSource(file: string, courseRoot: string, taskIds: Set<string>): (string | null)[] {
  let source = "";
  try {
    source = readFileSync(path.join(courseRoot, file), "utf8");
  } catch {
    // Unreadable: count it as one failure outside any task.
  }
  const found = new Set<string>();
  for (const match of source.matchAll(/\bdescribe\s*\(\s*(["'`])(.*?)\1/g)) {
    const id = match[2];
    if (id !== undefined && taskIds.has(id)) found.add(id);
  }
  return found.size > 0 ? [...found] : [null];
}

/** Stand-in outcomes for a file whose tests are unknown (it did not load, or never ran): one per task it covers. */
function standIns(file: string, state: OutcomeState, message: string, input: OutcomeInput, taskIds: Set<string>): TestOutcome[] {
  const what = `(every test in ${path.basename(file)})`;
  return tasksInSource(file, input.courseRoot, taskIds).map((task) => ({
    file,
    name: task === null ? what : `${task} > ${what}`,
    task,
    state,
    message,
    durationMs: 0,
  }));
}

/** A test that needs an optional tool says so at the end of its title: "... (needs faketime)". */
export function neededTool(testName: string): string | undefined {
  return /\(needs ([^()]+)\)\s*$/.exec(testName)?.[1]?.trim();
}

/** Why vitest did not run a test, as the learner reads it. */
export function notRunReason(testName: string): string {
  const tool = neededTool(testName);
  return tool === undefined ? "skipped" : `not run here: needs ${tool}`;
}

export function buildOutcomes(input: OutcomeInput): OutcomeSummary {
  const taskIds = new Set(input.taskIds);
  const collected = new Map<string, string[][]>();
  const loadErrors = new Map<string, string>();
  const results = new Map<string, Extract<GradeEvent, { type: "finished" }>>();
  const started = new Map<string, Extract<GradeEvent, { type: "started" }>>();
  const unhandled: Extract<GradeEvent, { type: "unhandled-error" }>[] = [];
  let testTimeoutMs = 5_000; // vitest's default, until the run says otherwise

  for (const event of input.events) {
    switch (event.type) {
      case "collected":
        collected.set(event.file, event.tests);
        break;
      case "load-error":
        loadErrors.set(event.file, event.message);
        break;
      case "started":
        started.set(key(event), event);
        break;
      case "finished":
        // The reporter sees the final state; the worker's line only fills in when the reporter's never came.
        if (event.from === "reporter" || !results.has(key(event))) results.set(key(event), event);
        break;
      case "unhandled-error":
        unhandled.push(event);
        break;
      case "run-start":
        testTimeoutMs = event.testTimeoutMs;
        break;
      case "run-end":
        break;
    }
  }

  const running = [...started.values()].filter((ref) => !results.has(key(ref)));
  const stopped = input.stopped;
  const outcomes: TestOutcome[] = [];
  const files = [...new Set([...input.testFiles, ...collected.keys(), ...loadErrors.keys()])].sort();

  for (const file of files) {
    const loadError = loadErrors.get(file);
    const tests = collected.get(file);
    if (loadError !== undefined) {
      outcomes.push(...standIns(file, "fail", `the test file did not load: ${loadError.split("\n")[0]}`, input, taskIds));
    } else if (tests === undefined) {
      const why = stopped ? "not run: the grader stopped the lab before the tests of this file ran" : "vitest did not run this file";
      outcomes.push(...standIns(file, stopped ? "skip" : "fail", why, input, taskIds));
    } else {
      for (const testPath of tests) {
        const ref = { file, path: testPath };
        const result = results.get(key(ref));
        const base = { file, name: testPath.join(" > "), task: taskOf(testPath, taskIds) };
        if (result?.state === "skip" && result.from === "reporter") {
          // vitest itself skipped it (it.skipIf for a missing tool): not scored.
          const why = notRunReason(base.name);
          outcomes.push({ ...base, state: "skip", message: why, notRun: why, durationMs: result.durationMs });
        } else if (result) {
          // Includes a result only the worker's trace saw ("never reached the grader"): it counts as not passed.
          outcomes.push({ ...base, state: result.state, ...(result.message ? { message: result.message } : {}), durationMs: result.durationMs });
        } else if (stopped && started.has(key(ref))) {
          const start = started.get(key(ref));
          const durationMs = stopped.at - (start?.at ?? stopped.at);
          if (stopped.kind === "stalled" && start?.pid !== stopped.pid) {
            // It was running in the other test process, which was fine: cut short, not at fault.
            outcomes.push({ ...base, state: "skip", message: "not finished: the grader stopped the lab while another test hung", durationMs });
          } else {
            outcomes.push({ ...base, state: "timeout", message: stoppedMessage(stopped), durationMs });
          }
        } else {
          const why = stopped ? "not run: the grader stopped the lab while another test hung" : "vitest reported no result for this test";
          outcomes.push({ ...base, state: stopped ? "skip" : "fail", message: why, durationMs: 0 });
        }
      }
    }
  }
  // vitest fails a run with such an error even when every test passed; so does
  // the grader, and it blames the test that caused it when it can tell.
  for (const error of unhandled) attributeUnhandled(error, outcomes, started);

  const summary: OutcomeSummary = { outcomes };
  if (loadErrors.size > 0) {
    summary.compileError = [...loadErrors].map(([file, message]) => `${file} did not load:\n${message}`).join("\n\n");
  }
  if (stopped) summary.hung = hungMessage(running, stopped, testTimeoutMs);
  return summary;
}

/**
 * An error no test caught (an "error" event nobody listened for, a rejection
 * nobody awaited) fails the test that was running when it was thrown; vitest
 * names that test. When it does not (the error came between tests), the test of
 * that file that started last is the likely cause. Only when even the file is
 * unknown does it stay outside every task.
 */
function attributeUnhandled(
  { message, file, lastTest }: Extract<GradeEvent, { type: "unhandled-error" }>,
  outcomes: TestOutcome[],
  started: Map<string, Extract<GradeEvent, { type: "started" }>>,
): void {
  const inFile = outcomes.filter((outcome) => outcome.file === file && outcome.notRun === undefined);
  let culprit = lastTest === undefined ? undefined : inFile.find((outcome) => outcome.name.split(" > ").at(-1) === lastTest);
  let how = "thrown while this test ran";
  if (!culprit && file !== undefined) {
    const last = [...started.values()].filter((ref) => ref.file === file).sort((a, b) => b.at - a.at)[0];
    culprit = last === undefined ? undefined : inFile.find((outcome) => outcome.name === last.path.join(" > "));
    how = "thrown after this test started (the last one that ran in its file), most likely by what it left running";
  }
  const uncaught = `an error nothing caught, ${how}: ${message}`;
  if (culprit) {
    const earlier = culprit.state === "pass" ? undefined : culprit.message;
    culprit.state = culprit.state === "pass" ? "fail" : culprit.state;
    culprit.message = earlier === undefined ? uncaught : `${earlier}\nand ${uncaught}`;
    return;
  }
  outcomes.push({
    file: file ?? "",
    name: "(an error thrown outside every test)",
    task: null,
    state: "fail",
    message: `an error nothing caught, thrown while no test of the lab was running (at the top level of a test file or a module it imports, or after the last test): ${message}`,
    durationMs: 0,
  });
}

const SYNCHRONOUS_LOOP = "a synchronous loop that never ends (a while (true), a busy wait), which vitest's own time limit cannot interrupt";

/** The message of the test that was running when the run was stopped. */
function stoppedMessage(stopped: StopReason): string {
  return stopped.kind === "stalled"
    ? `never returned: stuck for ${seconds(stopped.limitMs)} in ${SYNCHRONOUS_LOOP}`
    : `still running when the grader stopped the lab at its ${seconds(stopped.limitMs)} time limit`;
}

/** Say which test was running when the run was stopped, and the likely reason. */
function hungMessage(running: Extract<GradeEvent, { type: "started" }>[], stopped: StopReason, testTimeoutMs: number): string {
  const stuck = stopped.kind === "stalled" ? running.filter((ref) => ref.pid === stopped.pid) : running;
  if (stuck.length === 0) {
    return stopped.kind === "stalled"
      ? `outside any test (at the top level of a module, or in a beforeAll), a test process was stuck for ${seconds(stopped.limitMs)} in ${SYNCHRONOUS_LOOP}; the grader stopped the lab`
      : `the lab's tests had not started after ${seconds(stopped.limitMs)} (vitest was still loading them)`;
  }
  const names = stuck.map((ref) => `"${ref.path.join(" > ")}" (${ref.file})`).join(" and ");
  if (stopped.kind === "stalled") {
    return `${names} was stuck for ${seconds(stopped.limitMs)} in ${SYNCHRONOUS_LOOP}; the grader stopped the lab`;
  }
  const longest = Math.max(...stuck.map((ref) => stopped.at - ref.at));
  // The heartbeat tells a loop from a wait: a process stuck in synchronous code stops beating.
  const looping = stopped.silentPids !== undefined && stuck.some((ref) => stopped.silentPids?.includes(ref.pid));
  const why = looping
    ? `it had run for ${seconds(longest)} without giving control back: ${SYNCHRONOUS_LOOP}`
    : longest > testTimeoutMs
      ? `it was still waiting after ${seconds(longest)} (its process was responsive, so not a loop), past vitest's usual ${seconds(testTimeoutMs)} limit: the test allows itself longer, and the lab's code never delivered what it waits for (a promise that never settles, a child that never exits or never says it is ready)`
      : `it was still waiting (its process was responsive, so not a loop) when the lab as a whole ran out of time: many tests waiting for vitest's ${seconds(testTimeoutMs)} limit each, or a very busy machine; \`--time-limit <seconds>\` allows more`;
  return `the grader stopped the lab at its ${seconds(stopped.limitMs)} time limit while ${names} was running: ${why}`;
}
