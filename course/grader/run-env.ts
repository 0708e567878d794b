// The environment variables through which the grader talks to the vitest it
// starts (and which every process of the run inherits).

/** Names the file the reporter and the worker trace append their events to. */
export const EVENTS_FILE_VARIABLE = "COURSE_GRADE_EVENTS";

/** The tests folder to run, relative to the course root (read by course/grader/vitest.config.ts). */
export const TESTS_DIR_VARIABLE = "COURSE_GRADE_TESTS";

/** Marks every process of one grader run, so the ones left behind can be found in /proc. */
export const RUN_ID_VARIABLE = "COURSE_RUN_ID";
