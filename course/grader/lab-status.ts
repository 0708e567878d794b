// What the learner tools remember of each lab's last full grade, in
// .course/grades.json: watch's `l` lists it, and `npm run hint -- <lab>` (with
// no task) picks the first task that failed. Written by grade and watch.
import { type Chapter } from "../manifest";
import type { LabGrade } from "./grade-lab";
import { failures } from "./score";
import { readState, writeState } from "./state";
import { labId } from "../foundation/layout";

const STATUS_FILE = "grades.json";

export interface LabStatus {
  earned: number;
  possible: number;
  passed: number;
  total: number;
  complete: boolean;
  /** The task of the first failing test, in task order. */
  firstFailingTask?: string;
  /** ISO time of the grade. */
  at: string;
}

type Statuses = Record<string, LabStatus>;

/** Remember a whole-lab grade of labs/ (a focused or a solutions run says nothing about the learner's lab). */
export function rememberGrade(grade: LabGrade): void {
  if (grade.run.impl !== "labs" || grade.focus !== undefined || grade.run.cancelled) return;
  const all = readState<Statuses>(STATUS_FILE, {});
  const { score } = grade;
  const first = failures(grade.chapter, grade.run).find((outcome) => outcome.task !== null);
  all[labId(grade.chapter)] = {
    earned: score.earned,
    possible: score.possible,
    passed: score.passed,
    total: score.total,
    complete: score.complete,
    ...(first?.task ? { firstFailingTask: first.task } : {}),
    at: new Date().toISOString(),
  };
  writeState(STATUS_FILE, all);
}

export function lastGrade(chapter: Chapter): LabStatus | undefined {
  const status = readState<Statuses>(STATUS_FILE, {})[labId(chapter)];
  return typeof status === "object" && status !== null && typeof status.earned === "number" ? status : undefined;
}
