// The JSON grade report: everything the table shows and more, for a classroom
// system or a script. Its shape is part of the course's interface; add fields,
// do not rename them.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { LabGrade } from "./grade-lab";
import type { OutcomeState } from "./events";
import type { Straggler } from "./processes";
import type { Containment } from "./run-lab";
import type { FileChange } from "./snapshot";
import type { TypeProblem } from "./typecheck";
import { type Impl, labId } from "../foundation/layout";

export interface ReportTest {
  file: string;
  name: string;
  task: string | null;
  state: OutcomeState;
  message: string | null;
  /** Why the test was not run (not scored): "not run here: needs faketime", "skipped"; null when it ran. */
  notRun: string | null;
  durationMs: number;
  /** The points of the test's task (shared in proportion to its passing tests); 0 outside any task. */
  taskPoints: number;
}

export interface ReportLab {
  lab: string;
  title: string;
  tests: ReportTest[];
  /** total counts the tests that ran; notRun those that did not (not scored); counted is false when none could run. */
  tasks: {
    id: string;
    title: string;
    short: string;
    points: number;
    earned: number;
    passed: number;
    total: number;
    notRun: number;
    needs: string[];
    counted: boolean;
  }[];
  /** Type errors in the lab's files (they do not stop the tests). */
  typeProblems: TypeProblem[];
  /** The one task graded (--task), or null for the whole lab. */
  focus: string | null;
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
    lab: labId(grade.chapter),
    title: grade.chapter.title,
    tests: run.outcomes.map((outcome) => ({
      file: outcome.file,
      name: outcome.name,
      task: outcome.task,
      state: outcome.state,
      message: outcome.message ?? null,
      notRun: outcome.notRun ?? null,
      durationMs: outcome.durationMs,
      taskPoints: outcome.task === null ? 0 : (points.get(outcome.task) ?? 0),
    })),
    tasks: score.tasks.map(({ id, title, short, points: possible, earned, passed, total, notRun, needs, counted }) => ({
      id,
      title,
      short,
      points: possible,
      earned,
      passed,
      total,
      notRun,
      needs,
      counted,
    })),
    typeProblems: grade.typeProblems,
    focus: grade.focus?.id ?? null,
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
