// Grading one lab for a learner: run its tests (all, or one task's), score the
// tasks, type-check the lab's files while the tests run, and notice test files
// the learner changed.
import type { Chapter, Task } from "../manifest";
import { runLab, type LabRun } from "./run-lab";
import type { WarmGrader } from "./warm-lab";
import { scoreLab, type LabScore } from "./score";
import { modifiedTests, type FileChange, type Snapshot } from "./snapshot";
import { typeCheckLab, type TypeProblem } from "./typecheck";
import { type Impl } from "../foundation/layout";

export interface LabGrade {
  chapter: Chapter;
  run: LabRun;
  score: LabScore;
  /** Test files that differ from the ones the course shipped. */
  modifiedTests: FileChange[];
  /** Type errors in the lab's files: shown as a warning, they do not stop the tests. */
  typeProblems: TypeProblem[];
  /** Set when only this task's tests ran (`--task`): the score covers it alone. */
  focus?: Task;
}

export interface GradeOptions {
  impl: Impl;
  wallTimeoutMs?: number;
  snapshot: Snapshot | undefined;
  signal?: AbortSignal;
  /** Run only this task's tests. */
  task?: Task;
  /** Grade on this warm vitest (watch mode) instead of a fresh `vitest run`: the same verdicts, sooner. */
  warm?: WarmGrader;
}

/** A chapter whose lab has no tasks yet (being written) has nothing to grade. */
export function hasLab(chapter: Chapter): boolean {
  return chapter.lab.tasks.length > 0;
}

/** vitest -t matches "describe test" (names joined by spaces): the task's describe comes first. */
export function taskPattern(task: Task): string {
  return `^${task.id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `;
}

export async function gradeLab(chapter: Chapter, options: GradeOptions): Promise<LabGrade> {
  const runOptions = {
    ...(options.wallTimeoutMs === undefined ? {} : { wallTimeoutMs: options.wallTimeoutMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.task === undefined ? {} : { testNamePattern: taskPattern(options.task) }),
  };
  const running = options.warm ? options.warm.run(chapter, runOptions) : runLab(chapter, { impl: options.impl, ...runOptions });
  // vitest runs in its own processes meanwhile: the type check costs no extra time.
  const typeProblems = typeCheckLab(chapter, options.impl);
  let run = await running;
  let scored = chapter;
  if (options.task) {
    // The other tasks' tests were filtered out (vitest reports them skipped): leave them out.
    const id = options.task.id;
    run = { ...run, outcomes: run.outcomes.filter((outcome) => outcome.task === id || outcome.task === null) };
    scored = { ...chapter, lab: { ...chapter.lab, tasks: [options.task] } };
  }
  return {
    chapter,
    run,
    score: scoreLab(scored, run),
    modifiedTests: modifiedTests(chapter, options.snapshot),
    typeProblems,
    ...(options.task ? { focus: options.task } : {}),
  };
}
