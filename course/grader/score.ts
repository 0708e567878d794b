// Points: a task scores its points when every one of its tests passes (and it
// has at least one). Skipped tests, timeouts and tests that never ran do not pass.
import type { Chapter, Task } from "../manifest";
import type { LabRun, TestOutcome } from "./run-lab";

export interface TaskScore extends Task {
  earned: number;
  passed: number;
  total: number;
}

export interface LabScore {
  tasks: TaskScore[];
  earned: number;
  possible: number;
  passed: number;
  total: number;
  /** Every test passed, and nothing kept the lab from being graded (no load error, no hang). */
  complete: boolean;
}

export function scoreTask(task: Task, outcomes: TestOutcome[]): TaskScore {
  const mine = outcomes.filter((outcome) => outcome.task === task.id);
  const passed = mine.filter((outcome) => outcome.state === "pass").length;
  const allPass = mine.length > 0 && passed === mine.length;
  return { ...task, earned: allPass ? task.points : 0, passed, total: mine.length };
}

export function scoreLab(chapter: Chapter, run: LabRun): LabScore {
  const tasks = chapter.lab.tasks.map((task) => scoreTask(task, run.outcomes));
  const passed = run.outcomes.filter((outcome) => outcome.state === "pass").length;
  const total = run.outcomes.length;
  return {
    tasks,
    earned: tasks.reduce((sum, task) => sum + task.earned, 0),
    possible: tasks.reduce((sum, task) => sum + task.points, 0),
    passed,
    total,
    complete: total > 0 && passed === total && run.compileError === undefined && run.hung === undefined,
  };
}

/** The failure to explain first: the first test, in file order, that did not pass. */
export function firstFailure(run: LabRun): TestOutcome | undefined {
  return run.outcomes.find((outcome) => outcome.state !== "pass");
}
