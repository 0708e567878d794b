// From the event lines of one vitest run to one outcome per test: what passed,
// what failed and why, which file did not load, and, when the run had to be
// stopped, which test was running and which never ran.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { GradeEvent, OutcomeState, TestRef } from "./events";
import type { StopReason } from "./watchdog";

export interface TestOutcome {
  /** The test file, relative to the course root. */
  file: string;
  /** The describe path joined with " > ": "parseStat > keeps spaces inside comm". */
  name: string;
  /** The task (top-level describe) it belongs to; null when it is outside every task of the manifest. */
  task: string | null;
  state: OutcomeState;
  /** The first line(s) of the failure, readable. */
  message?: string;
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

function seconds(ms: number): string {
  return ms < 10_000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms / 1000)} s`;
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
        if (result) {
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
  // vitest fails a run with such an error even when every test passed; so does the grader.
  for (const { message, file, lastTest } of unhandled) {
    const name = lastTest ? `(an error outside any test, thrown after "${lastTest}" started)` : "(an error outside any test)";
    outcomes.push({ file: file ?? "", name, task: null, state: "fail", message, durationMs: 0 });
  }

  const summary: OutcomeSummary = { outcomes };
  if (loadErrors.size > 0) {
    summary.compileError = [...loadErrors].map(([file, message]) => `${file} did not load:\n${message}`).join("\n\n");
  }
  if (stopped) summary.hung = hungMessage(running, stopped, testTimeoutMs);
  return summary;
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
