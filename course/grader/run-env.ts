// How the grader talks to the vitest it starts.
import { readdirSync } from "node:fs";

/**
 * The results channel: vitest's main process inherits it as this file descriptor (a socket whose
 * other end only the grader holds), and the grader's reporter, which runs there, writes every
 * result to it. Test workers never have it (their fd 3 is vitest's own IPC channel) and nothing
 * in any environment names it; the reporter also marks it close-on-exec. See events.ts.
 */
export const RESULTS_FD = 3;

/**
 * The grader's commands to a warm vitest (watch mode, see warm-vitest.ts): one JSON line per run
 * to start. Like the results channel, a socket only the grader and that process hold, marked
 * close-on-exec there before any worker starts.
 */
export const COMMANDS_FD = 4;

/** The tests folder to run, relative to the course root (read by course/grader/vitest.config.ts). */
export const TESTS_DIR_VARIABLE = "COURSE_GRADE_TESTS";

/**
 * A scratch folder for the test processes' own trace: a heartbeat file, `alive-<pid>`, touched
 * every second, and `trace.jsonl`, which test starts, for hang reports (see test-trace.ts). Any
 * process of the run can find it and write there, so nothing in it ever counts as a result.
 */
export const TRACE_DIR_VARIABLE = "COURSE_GRADE_TRACE";

/** The heartbeat file of one test process. */
export function heartbeatFile(dir: string, pid: number): string {
  return `${dir}/alive-${pid}`;
}

/** The test processes that have a heartbeat file in `dir` (none when the folder is gone). */
export function heartbeatPids(dir: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const pid = /^alive-(\d+)$/.exec(entry)?.[1];
    return pid === undefined ? [] : [Number(pid)];
  });
}

/** The test processes' trace, in the trace folder. */
export function traceFile(dir: string): string {
  return `${dir}/trace.jsonl`;
}

/** Marks every process of one grader run: a second net, for machines where the subreaper is not available. */
export const RUN_ID_VARIABLE = "COURSE_RUN_ID";
