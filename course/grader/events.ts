// The grader's record of a vitest run: one JSON line per event, appended to a
// file. Two writers feed it:
//  - the reporter (course/grader/reporter.ts), in vitest's main process, which
//    knows the final result of every test and why a file failed to load;
//  - the test trace (course/grader/test-trace.ts), inside the process that
//    runs the tests, which writes synchronously, so its lines are on disk even
//    when that process then hangs in a synchronous loop and never reports again.
// A file rather than a pipe, because a run that hangs is killed, and whatever
// was written before that must survive.
import { appendFileSync, readFileSync } from "node:fs";
import { EVENTS_FILE_VARIABLE } from "./run-env";

export type OutcomeState = "pass" | "fail" | "timeout" | "skip";

/** A test is named by its file and its describe path: ["parseStat", "keeps spaces inside comm"]. */
export interface TestRef {
  file: string;
  path: string[];
}

export type GradeEvent =
  /** vitest started; its per-test limit, to tell a synchronous loop from a slow run. */
  | { type: "run-start"; testTimeoutMs: number }
  /** A test file was loaded; these are its tests, in order. */
  | { type: "collected"; file: string; tests: string[][] }
  /** A test file could not be loaded (syntax error, failing import). */
  | { type: "load-error"; file: string; message: string }
  /** Process `pid` is about to run this test; `at` is the wall clock in ms (Date.now()). */
  | ({ type: "started"; at: number; pid: number } & TestRef)
  /** A test finished; `from` says who saw it (the reporter's word is final). */
  | ({ type: "finished"; from: "worker" | "reporter"; state: OutcomeState; message?: string; durationMs: number } & TestRef)
  /** An error outside any test (an unhandled rejection, an exception in a timer), and the test that ran last, if vitest knows. */
  | { type: "unhandled-error"; message: string; file?: string; lastTest?: string }
  /** vitest finished the whole run by itself. */
  | { type: "run-end" };

/** Append one event to the file named by COURSE_GRADE_EVENTS; a no-op when vitest runs outside the grader. */
export function recordEvent(event: GradeEvent): void {
  const file = process.env[EVENTS_FILE_VARIABLE];
  if (!file) return;
  // One write call per line, in append mode: lines from two processes never interleave.
  appendFileSync(file, `${JSON.stringify(event)}\n`);
}

/**
 * Every complete event in the file (a last line cut short by a kill is ignored),
 * with `root/` cut from every path in it, so they read "labs/00-welcome/...".
 */
export function readEvents(file: string, root: string): GradeEvent[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8").replaceAll(`${root}/`, "");
  } catch {
    return []; // vitest never got as far as writing anything
  }
  const events: GradeEvent[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      events.push(JSON.parse(line) as GradeEvent);
    } catch {
      // A partial line written at the moment the process was killed.
    }
  }
  return events;
}
