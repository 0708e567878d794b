// npm test's lab steps: every solution passes every test of its lab, every untouched starter fails
// every one. The labs run one after another through the grader, in a child process of their own
// (this file): the grader counts every process its process did not start as left behind by the
// lab, so in npm test's own process nothing else could run beside it; in a child, the type
// checks, the machinery tests and the notebook runs can. One warm vitest grades every
// lab of a step (warm-lab.ts, as watch mode does): the same verdicts as a fresh `vitest run` per
// lab, without its start-up each time (a run that goes wrong gets a fresh one for the next lab).
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { LabRun } from "../grader/run-lab";
import { WarmGrader } from "../grader/warm-lab";
import { type Impl, labId } from "../foundation/layout";
import { tsNodeArgs } from "../foundation/run-typescript";
import { runNodeChild, type ChildStepResult, type NodeChildOptions } from "./node-child";
import { findChapter, type Chapter } from "../manifest";

export type Expected = "pass" | "fail";

/** What is wrong with a lab run, given what every test should have done. */
export function labProblems(chapter: Chapter, run: LabRun, expected: Expected): string[] {
  const where = `${run.impl}/${labId(chapter)}`;
  const problems: string[] = [];
  if (run.compileError) problems.push(`${where}: does not load: ${run.compileError}`);
  if (run.hung) problems.push(`${where}: hung: ${run.hung}`);
  for (const s of run.stragglers) problems.push(`${where}: left process ${s.pid} running (${s.command}); it was killed`);
  if (run.outcomes.length === 0) problems.push(`${where}: no test ran`);
  const taskIds = new Set(chapter.lab.tasks.map((t) => t.id));
  for (const outcome of run.outcomes) {
    const name = `${outcome.file} > ${outcome.name}`;
    if (outcome.task === null || !taskIds.has(outcome.task)) problems.push(`${name}: not inside a task's describe(); tasks are ${[...taskIds].join(", ")}`);
    if (expected === "pass" && outcome.state !== "pass" && outcome.state !== "skip") {
      problems.push(`${name}: ${outcome.state} on the solution: ${outcome.message ?? ""}`);
    }
    if (expected === "fail" && outcome.state === "pass") {
      problems.push(`${name}: passes on the untouched starter, so it proves nothing; make it check the behaviour`);
    }
  }
  for (const task of chapter.lab.tasks) {
    if (!run.outcomes.some((o) => o.task === task.id)) problems.push(`${where}: task "${task.id}" has no tests`);
  }
  return problems;
}

/** Run the labs one after another; print a line per lab (and its skipped tests); their problems. */
async function runLabs(chapters: Chapter[], impl: Impl, expected: Expected): Promise<string[]> {
  const problems: string[] = [];
  const grader = new WarmGrader(impl);
  for (const chapter of chapters) {
    const run = await grader.run(chapter);
    const counts = `${run.outcomes.filter((o) => o.state === expected).length}/${run.outcomes.length}`;
    console.log(`${labId(chapter)}: ${counts} ${expected === "pass" ? "passed" : "failed"} (${(run.durationMs / 1000).toFixed(1)} s)`);
    for (const s of run.outcomes.filter((o) => o.state === "skip")) console.log(`  skipped: ${s.name}`);
    problems.push(...labProblems(chapter, run, expected));
  }
  await grader.close();
  return problems;
}

/** The last line the child prints: its problems, as JSON after this marker. */
const PROBLEMS_MARKER = "lab runs' problems: ";

const thisFile = fileURLToPath(import.meta.url);

/** Run the labs of these chapters through the grader in a child process; never rejects. */
export async function labRunsInChild(chapters: Chapter[], impl: Impl, expected: Expected, child: NodeChildOptions = {}): Promise<ChildStepResult> {
  const { code, signal, output, cpuSeconds } = await runNodeChild([...tsNodeArgs, thisFile, impl, expected, ...chapters.map(labId)], child);
  const lines = output.trimEnd().split("\n");
  const last = lines.at(-1) ?? "";
  if (code === 0 && last.startsWith(PROBLEMS_MARKER)) {
    return { problems: JSON.parse(last.slice(PROBLEMS_MARKER.length)) as string[], notes: lines.slice(0, -1), cpuSeconds };
  }
  const ended = signal ? `signal ${signal}` : `exit code ${code ?? "none"}`;
  return { problems: [`the lab runs ended abnormally (${ended}):`, ...lines.slice(-60)], notes: [], cpuSeconds };
}

// As the child: node --import <the course's loader> course/check/lab-runs.ts <impl> <pass|fail> <lab>...
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === thisFile) {
  const [impl, expected, ...labs] = process.argv.slice(2);
  if ((impl !== "labs" && impl !== "solutions") || (expected !== "pass" && expected !== "fail") || labs.length === 0) {
    console.error("usage: lab-runs.ts labs|solutions pass|fail <lab>... (npm test runs it)");
    process.exit(2);
  }
  const problems = await runLabs(labs.map(findChapter), impl, expected);
  console.log(`${PROBLEMS_MARKER}${JSON.stringify(problems)}`);
  process.exit(0);
}
