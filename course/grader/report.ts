// The JSON grade report: everything the table shows and more, for a classroom
// system or a script. Its shape is part of the course's interface; add fields,
// do not rename them.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Impl } from "../impl";
import { labDir } from "../manifest";
import type { LabGrade } from "./grade-lab";
import type { OutcomeState } from "./events";
import type { Straggler } from "./processes";
import type { Containment } from "./run-lab";
import type { FileChange } from "./snapshot";

export interface ReportTest {
  file: string;
  name: string;
  task: string | null;
  state: OutcomeState;
  message: string | null;
  durationMs: number;
  /** The points of the test's task (earned only when all the task's tests pass); 0 outside any task. */
  taskPoints: number;
}

export interface ReportLab {
  lab: string;
  title: string;
  tests: ReportTest[];
  tasks: { id: string; title: string; points: number; earned: number; passed: number; total: number }[];
  compileError: string | null;
  hung: string | null;
  stragglers: Straggler[];
  /** How the run's processes were contained and found: "subreaper" (every descendant) or "groups only". */
  containment: Containment;
  modifiedTests: FileChange[];
  earned: number;
  possible: number;
  passed: number;
  total: number;
  complete: boolean;
  durationMs: number;
}

export interface GradeReport {
  when: string;
  node: string;
  impl: Impl;
  labs: ReportLab[];
  totals: { earned: number; possible: number; passed: number; total: number; allPassed: boolean };
}

function reportLab(grade: LabGrade): ReportLab {
  const points = new Map(grade.chapter.lab.tasks.map((task) => [task.id, task.points]));
  const { run, score } = grade;
  return {
    lab: labDir(grade.chapter),
    title: grade.chapter.title,
    tests: run.outcomes.map((outcome) => ({
      file: outcome.file,
      name: outcome.name,
      task: outcome.task,
      state: outcome.state,
      message: outcome.message ?? null,
      durationMs: outcome.durationMs,
      taskPoints: outcome.task === null ? 0 : (points.get(outcome.task) ?? 0),
    })),
    tasks: score.tasks.map(({ id, title, points: possible, earned, passed, total }) => ({ id, title, points: possible, earned, passed, total })),
    compileError: run.compileError ?? null,
    hung: run.hung ?? null,
    stragglers: run.stragglers,
    containment: run.containment,
    modifiedTests: grade.modifiedTests,
    earned: score.earned,
    possible: score.possible,
    passed: score.passed,
    total: score.total,
    complete: score.complete,
    durationMs: run.durationMs,
  };
}

export function buildReport(grades: LabGrade[], impl: Impl): GradeReport {
  const labs = grades.map(reportLab);
  const sum = (pick: (lab: ReportLab) => number): number => labs.reduce((total, lab) => total + pick(lab), 0);
  return {
    when: new Date().toISOString(),
    node: process.version,
    impl,
    labs,
    totals: {
      earned: sum((lab) => lab.earned),
      possible: sum((lab) => lab.possible),
      passed: sum((lab) => lab.passed),
      total: sum((lab) => lab.total),
      allPassed: labs.length > 0 && labs.every((lab) => lab.complete),
    },
  };
}

export function writeReport(report: GradeReport, file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
