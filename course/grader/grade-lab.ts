// Grading one lab for a learner: run its tests, score the tasks, and notice
// test files the learner changed.
import type { Impl } from "../impl";
import type { Chapter } from "../manifest";
import { runLab, type LabRun } from "./run-lab";
import { scoreLab, type LabScore } from "./score";
import { modifiedTests, type FileChange, type Snapshot } from "./snapshot";

export interface LabGrade {
  chapter: Chapter;
  run: LabRun;
  score: LabScore;
  /** Test files that differ from the ones the course shipped. */
  modifiedTests: FileChange[];
}

export interface GradeOptions {
  impl: Impl;
  wallTimeoutMs?: number;
  snapshot: Snapshot | undefined;
  signal?: AbortSignal;
}

/** A chapter whose lab has no tasks yet (being written) has nothing to grade. */
export function hasLab(chapter: Chapter): boolean {
  return chapter.lab.tasks.length > 0;
}

export async function gradeLab(chapter: Chapter, options: GradeOptions): Promise<LabGrade> {
  const run = await runLab(chapter, {
    impl: options.impl,
    ...(options.wallTimeoutMs === undefined ? {} : { wallTimeoutMs: options.wallTimeoutMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { chapter, run, score: scoreLab(chapter, run), modifiedTests: modifiedTests(chapter, options.snapshot) };
}
