// The grader, as the rest of the course uses it: `npm test` runs labs with
// runLab and checks the lab snapshot with snapshotProblems; the learner tools
// (course/cli/grade, watch, hint, reset, freeze) use the modules directly.
export { runLab, DEFAULT_WALL_TIMEOUT_MS, DEFAULT_STALL_TIMEOUT_MS } from "./run-lab";
export type { LabRun, RunLabOptions, Straggler, TestOutcome } from "./run-lab";
export { gradeLab, hasLab } from "./grade-lab";
export type { LabGrade } from "./grade-lab";
export { scoreLab, firstFailure } from "./score";
export type { LabScore, TaskScore } from "./score";
export { snapshotProblems, buildSnapshot, readSnapshot, SNAPSHOT_FILE } from "./snapshot";
export type { Snapshot, LabSnapshot, FileChange } from "./snapshot";
