// The grader's record of a vitest run: one JSON object per line, from two sources that are
// trusted very differently.
//  - The results channel (trusted): the reporter (course/grader/reporter.ts) runs in vitest's
//    main process and writes every collected file, load error, test result and the end of the run
//    to a socket on fd 3 that only that process holds (see run-env.ts). Only these lines decide
//    what passed.
//  - The trace (untrusted): the test trace (course/grader/test-trace.ts), inside each test
//    process, writes synchronously which test starts and ends, so the lines are on disk even when
//    that process then hangs in a synchronous loop. The lab's code runs in those processes and
//    can write there too, so the trace only says which test was running (for hang and left-process
//    reports); a result in it never counts (see readTrace).
import { appendFileSync, fstatSync, readFileSync, writeSync } from "node:fs";
import { RESULTS_FD, TRACE_DIR_VARIABLE, traceFile } from "./run-env";

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
  /** Process `pid` is about to run this test; `at` is the wall clock in ms (Date.now()), `ticks` the boot clock of /proc (1/100 s). */
  | ({ type: "started"; at: number; pid: number; ticks?: number } & TestRef)
  /** A test finished; `from` says who saw it (only the reporter's word counts). */
  | ({ type: "finished"; from: "worker" | "reporter"; state: OutcomeState; message?: string; durationMs: number; ticks?: number; pid?: number } & TestRef)
  /** An error outside any test (an unhandled rejection, an exception in a timer), and the test that ran last, if vitest knows. */
  | { type: "unhandled-error"; message: string; file?: string; lastTest?: string }
  /** vitest finished the whole run by itself. */
  | { type: "run-end" }
  /** (Trace only.) Process `pid` starts loading a test file (and the modules it imports). */
  | { type: "loading"; pid: number; ticks: number }
  /** (Trace only.) That file is loaded; its tests are about to run. */
  | { type: "loaded"; pid: number; ticks: number; file: string };

/** Append one event to the trace (in a test process); a no-op when vitest runs outside the grader. */
export function recordTrace(event: GradeEvent): void {
  const dir = process.env[TRACE_DIR_VARIABLE];
  if (!dir) return;
  // One write call per line, in append mode: lines from two processes never interleave.
  appendFileSync(traceFile(dir), `${JSON.stringify(event)}\n`);
}

let channelOpen: boolean | undefined;

/** Is the results channel there (vitest started by the grader) rather than some other fd 3, or none? */
export function resultsChannelOpen(): boolean {
  if (channelOpen === undefined) {
    try {
      channelOpen = fstatSync(RESULTS_FD).isSocket();
    } catch {
      channelOpen = false;
    }
  }
  return channelOpen;
}

/** Send one event over the results channel (in vitest's main process, from the reporter). Synchronous: vitest may exit right after. */
export function sendResult(event: GradeEvent): void {
  if (!resultsChannelOpen()) return;
  const line = Buffer.from(`${JSON.stringify(event)}\n`);
  for (let written = 0; written < line.length;) written += writeSync(RESULTS_FD, line, written);
}

/** What came over the results channel, or why it cannot be believed. */
export interface Results {
  events: GradeEvent[];
  /** Set when the channel carried something the reporter does not write: the run's results are void. */
  tampered?: string;
}

/** Parse the results channel's text. Anything after "run-end", a second "run-start", or a line that is not an event voids it. */
export function parseResults(text: string, root: string): Results {
  const events: GradeEvent[] = [];
  const lines = text.replaceAll(`${root}/`, "").split("\n");
  const last = lines.pop(); // "" after a complete last line; a partial line if vitest was killed mid-write
  let ended = false;
  for (const line of lines) {
    let event: GradeEvent;
    try {
      event = JSON.parse(line) as GradeEvent;
    } catch {
      return { events, tampered: "a line that is not a grader event" };
    }
    if (ended) return { events, tampered: "lines after the end of the run" };
    if (event.type === "run-start" && events.length > 0) return { events, tampered: "a second start of the run" };
    if (event.type === "run-end") ended = true;
    events.push(event);
  }
  if (last !== undefined && last !== "" && ended) return { events, tampered: "lines after the end of the run" };
  return { events };
}

/** The trace's lines: test starts, worker "finished" lines, file loading (a last line cut short by a kill is ignored). Never results. */
export function readTrace(file: string, root: string): GradeEvent[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8").replaceAll(`${root}/`, "");
  } catch {
    return []; // no test ever started
  }
  const events: GradeEvent[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const event = JSON.parse(line) as GradeEvent;
      if (event.type === "started" || event.type === "loading" || event.type === "loaded" || (event.type === "finished" && event.from === "worker"))
        events.push(event);
    } catch {
      // A partial line written at the moment the process was killed, or noise.
    }
  }
  return events;
}
