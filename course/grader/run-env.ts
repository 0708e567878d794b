// The environment variables through which the grader talks to the vitest it
// starts (and which every process of the run inherits).

/** Names the file the reporter and the test trace append their events to. */
export const EVENTS_FILE_VARIABLE = "COURSE_GRADE_EVENTS";

/** The tests folder to run, relative to the course root (read by course/grader/vitest.config.ts). */
export const TESTS_DIR_VARIABLE = "COURSE_GRADE_TESTS";

/** A folder where each test process touches a heartbeat file, `alive-<pid>`, every second (see test-trace.ts). */
export const HEARTBEAT_DIR_VARIABLE = "COURSE_GRADE_HEARTBEATS";

/** The heartbeat file of one test process. */
export function heartbeatFile(dir: string, pid: number): string {
  return `${dir}/alive-${pid}`;
}

/** Marks every process of one grader run, so the ones left behind can be found in /proc. */
export const RUN_ID_VARIABLE = "COURSE_RUN_ID";
