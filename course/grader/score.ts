// Points. A task's tests are the tests under its `describe(id)`, except those
// vitest did not run (skipped, or needing a tool this machine lacks): those are
// not scored, and the task is scored on the tests that ran.
//
// Partial credit: a task earns its points in proportion to its passing tests,
// rounded down to a whole point; all its points only when every test passes.
// (5 of 6 tests on a 4-point task: 3 points.) A task none of whose tests could
// run here is left out of the lab's possible points. Timeouts and tests the
// grader could not run because another test hung do not pass.
import type { Chapter, Task } from "../manifest";
import type { LabRun, TestOutcome } from "./run-lab";

export interface TaskScore extends Task {
  earned: number;
  /** Tests that ran and passed. */
  passed: number;
  /** Tests that count: every test of the task but those not run. */
  total: number;
  /** Tests of the task that were not run (skipped, or needing a missing tool): not scored. */
  notRun: number;
  /** The tools those tests need, as their titles say: ["faketime"]. */
  needs: string[];
  /** False when none of its tests could run here: its points are left out of the lab's total. */
  counted: boolean;
}

export interface LabScore {
  tasks: TaskScore[];
  earned: number;
  possible: number;
  passed: number;
  /** Tests that count (not run ones excluded). */
  total: number;
  notRun: number;
  /** Every counted test passed, and nothing kept the lab from being graded (no load error, no hang). */
  complete: boolean;
}

/** Points for `passed` of `total` tests: proportional, rounded down; full only when all pass. */
export function partialPoints(points: number, passed: number, total: number): number {
  if (total === 0) return 0;
  if (passed >= total) return points;
  return Math.floor((points * passed) / total);
}

export function scoreTask(task: Task, outcomes: TestOutcome[]): TaskScore {
  const mine = outcomes.filter((outcome) => outcome.task === task.id);
  const counted = mine.filter((outcome) => outcome.notRun === undefined);
  const skipped = mine.filter((outcome) => outcome.notRun !== undefined);
  const passed = counted.filter((outcome) => outcome.state === "pass").length;
  const needs = [...new Set(skipped.flatMap((outcome) => /needs (.+)$/.exec(outcome.notRun ?? "")?.[1] ?? []))];
  return {
    ...task,
    earned: partialPoints(task.points, passed, counted.length),
    passed,
    total: counted.length,
    notRun: skipped.length,
    needs,
    // A task with no test at all (a deleted test file) still counts, and earns nothing.
    counted: counted.length > 0 || skipped.length === 0,
  };
}

export function scoreLab(chapter: Chapter, run: LabRun): LabScore {
  const tasks = chapter.lab.tasks.map((task) => scoreTask(task, run.outcomes));
  const counted = run.outcomes.filter((outcome) => outcome.notRun === undefined);
  const passed = counted.filter((outcome) => outcome.state === "pass").length;
  const total = counted.length;
  const scoredTasks = tasks.filter((task) => task.counted);
  return {
    tasks,
    earned: scoredTasks.reduce((sum, task) => sum + task.earned, 0),
    possible: scoredTasks.reduce((sum, task) => sum + task.points, 0),
    passed,
    total,
    notRun: run.outcomes.length - counted.length,
    complete: total > 0 && passed === total && run.compileError === undefined && run.hung === undefined,
  };
}

/** The tests that count and do not pass, in the order of the manifest's tasks (tests outside every task last). */
export function failures(chapter: Chapter, run: LabRun): TestOutcome[] {
  const order = new Map(chapter.lab.tasks.map((task, index) => [task.id, index]));
  const rank = (outcome: TestOutcome): number => (outcome.task === null ? order.size : (order.get(outcome.task) ?? order.size));
  return run.outcomes
    .filter((outcome) => outcome.state !== "pass" && outcome.notRun === undefined)
    .map((outcome, index) => ({ outcome, index }))
    .sort((a, b) => rank(a.outcome) - rank(b.outcome) || a.index - b.index)
    .map(({ outcome }) => outcome);
}

/** The failure to explain first: the first test that does not pass, in task order. */
export function firstFailure(chapter: Chapter, run: LabRun): TestOutcome | undefined {
  return failures(chapter, run)[0];
}
