// npm test [-- <chapter>...] [--no-notebooks] [--no-machinery] [--dry-run]:
// the maintainers' proof that the course is sound.
//   1. type-check: the project's TypeScript (strict), and tslab's TypeScript 5.0
//      over everything notebooks can import, and against the newest Node's types; lint and format
//      (the project's type check, ESLint's type-aware rules and the newest-Node check share one
//      program per tsconfig: course/check/project-programs.ts);
//   2. integrity: manifest, notebooks, starters, hints, exports, snapshot, layers, and what the
//      learners' copy keeps;
//   3. every solution passes every test of its lab;
//   4. every untouched starter fails every test of its lab (no vacuous test);
//   5. the machinery's own tests (kernel, runner, grader);
//   6. every notebook runs top to bottom through the course kernel, twice, side by side: against
//      the untouched starters, with python3, strace and faketime unreachable (a learner's fresh
//      copy on a bare machine), and with the solutions in labs/ (every lab cell shows the
//      finished behaviour: no NOT_YET marker).
// Steps 3-6 run in child processes that share nothing but the machine, side by side from the
// start, beside the checks of steps 1-2 in this process; each is reported in its place, its
// time counted from the start, with the CPU time it used (this process's during a step of its
// own; a child step's, with what its processes waited for: node-child.ts). The run ends with the
// CPU time of it all: on busy cores, the wall time is about that divided by their number.
// Flags: --no-notebooks, --no-machinery (quicker local runs; CI runs all). Naming chapters
// (`npm test -- 03`) checks only those: steps 1-4 and 6 for their files, without 5 (the
// machinery is no chapter's). The project's type checks start from the chapters' files, the
// manifest and every file that names a chapter (what imports them), and follow their imports;
// the cross-chapter integrity checks stay (they are quick); lint and format look at the
// chapters' own files (their lab, solution and manifest entry).
// --dry-run prints the steps it would run, and runs none.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { solutionReferences } from "../check/model-answers";
import { exportMismatches, staticProblems } from "../check/integrity";
import { handoutImportProblems } from "../check/handout-imports";
import { layerProblems } from "../check/layers";
import { readmeProblems } from "../check/readme";
import { notebookImportable, projectTypeErrors, tslabTypeErrors } from "../check/typecheck";
import { formatProblems, lintProblems } from "../check/lint";
import { newestNodeTypeErrors } from "../check/newest-node";
import { narrowCourseProgram } from "../check/project-programs";
import { labRunsInChild } from "../check/lab-runs";
import { reapedChildrenCpuSeconds, runNodeChild, type NodeChildEnd } from "../check/node-child";
import { snapshotProblems } from "../grader/snapshot";
import { courseRoot, labFolder, labId, labTestFiles, solutionFolder, type Impl } from "../foundation/layout";
import { TS_CACHE_VARIABLE, tsNodeArgs } from "../foundation/run-typescript";
import { chapters, findChapter, type Chapter } from "../manifest";
import { HIDE_TOOLS_VARIABLE } from "../runner/hide-tools";

interface CheckResult {
  name: string;
  problems: string[];
}

const results: CheckResult[] = [];

/** What this run does: which chapters, which steps. */
interface Options {
  /** The chapters named on the command line; every chapter when none is. */
  selected: Chapter[];
  /** True when chapters were named: only their parts are checked. */
  someChapters: boolean;
  notebooks: boolean;
  machinery: boolean;
  /** Print the steps, run none. */
  dryRun: boolean;
}

let options: Options;

/** A step's problems (none: it passed), and what it has to say before its verdict. */
interface StepResult {
  problems: string[];
  notes: string[];
  /** For a step run in child processes: their CPU time (runNodeChild's cpuSeconds). */
  cpuSeconds?: number;
}

/** An early step's work, started before its report: its result, and when it ended. */
interface Early {
  result: Promise<string[] | StepResult>;
  /** When the work ended (performance.now()); undefined while it runs. */
  endedAt?: number;
}

async function check(name: string, run: () => string[] | StepResult | Promise<string[] | StepResult>, early?: Early): Promise<void> {
  if (options.dryRun) {
    console.log(`  ${name}`);
    return;
  }
  // An early step (startEarly) started with npm test, not at its report.
  const started = early ? runStarted : performance.now();
  // A step of this process: its CPU is this process's while it runs. An early step's is its children's.
  const cpuBefore = early ? undefined : process.cpuUsage();
  let cpuSeconds: number | undefined;
  process.stdout.write(`… ${name}\n`);
  let problems: string[];
  try {
    const result = await run();
    if (Array.isArray(result)) problems = result;
    else {
      problems = result.problems;
      cpuSeconds = result.cpuSeconds;
      for (const note of result.notes) console.log(`     ${note.split("\n").join("\n     ")}`);
    }
  } catch (err) {
    problems = [`the check itself failed: ${(err as Error).stack ?? String(err)}`];
  }
  if (cpuBefore) cpuSeconds = cpuSecondsOf(process.cpuUsage(cpuBefore));
  // An early step's time runs from npm test's start to its own end, not to its report.
  const seconds = (((early?.endedAt ?? performance.now()) - started) / 1000).toFixed(1);
  const cpu = cpuSeconds === undefined || Number.isNaN(cpuSeconds) ? "" : `; CPU ${cpuSeconds.toFixed(1)} s`;
  console.log(`${problems.length === 0 ? "ok  " : "FAIL"} ${name} (${seconds} s${cpu})`);
  for (const problem of problems) console.log(`     ${problem.split("\n").join("\n     ")}`);
  results.push({ name, problems });
}

const cpuSecondsOf = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;

/** When npm test started its work: early steps count their time from here. */
let runStarted = 0;

/**
 * Start a step's work now, to report it later in its place (a dry run starts nothing). Marked
 * handled at once: a rejection waits for its step, which reports it.
 */
function startEarly(run: () => Promise<string[] | StepResult>): Early {
  const early: Early = { result: options.dryRun ? Promise.resolve([]) : run() };
  early.result.then(
    () => (early.endedAt = performance.now()),
    () => (early.endedAt = performance.now()),
  );
  return early;
}

/** Report an early step in its place: its result, and its time from the start to its end. */
function checkEarly(name: string, early: Early): Promise<void> {
  return check(name, () => early.result, early);
}

async function machineryTests(): Promise<StepResult> {
  const vitest = createRequire(import.meta.url).resolve("vitest/vitest.mjs");
  const config = path.join(courseRoot, "course", "tests", "vitest.config.ts");
  // vitest may leave its transform cache in the temp dir: give it one we remove, and keep the
  // course's TypeScript loader's cache there as well.
  const scratch = mkdtempSync(path.join(os.tmpdir(), "course-machinery-"));
  const env = { TMPDIR: scratch, [TS_CACHE_VARIABLE]: path.join(scratch, "typescript") };
  const { code, output, cpuSeconds } = await runNodeChild([vitest, "run", "--config", config], { env, niceness: BACKGROUND });
  rmSync(scratch, { recursive: true, force: true });
  if (code === 0) return { problems: [], notes: [], cpuSeconds };
  const problems = [`the machinery tests failed (npx vitest run --config course/tests/vitest.config.ts):`, ...output.split("\n").slice(-60)];
  return { problems, notes: [], cpuSeconds };
}

/**
 * The nice value of every step run in a child except the notebook passes. Each notebook pass is
 * twelve notebooks one after another, mostly on one core: the longest chain of the run. The other
 * steps can use whatever CPU is free, so they yield to it; the run then ends when the CPU work
 * is done, not when the last notebook, slowed by the others, is.
 */
const BACKGROUND = 10;

/** The optional tools a learner's machine often lacks; the starters pass runs without them. */
const LEARNER_MISSING_TOOLS = "python3,strace,faketime";

interface Pass {
  impl: Impl;
  env: NodeJS.ProcessEnv;
  label: string;
}

/** Run `npm run notebooks -- [<chapters>] --impl <impl>` as a child (each pass is its own runner and subreaper). */
function notebooksPass({ impl, env }: Pass): Promise<NodeChildEnd> {
  const cli = path.join(courseRoot, "course", "cli", "notebooks.ts");
  const names = options.someChapters ? options.selected.map(labId) : [];
  return runNodeChild([...tsNodeArgs, cli, ...names, "--impl", impl], { env });
}

async function notebooksCheck(): Promise<StepResult> {
  const passes: Pass[] = [
    { impl: "labs", env: { [HIDE_TOOLS_VARIABLE]: LEARNER_MISSING_TOOLS }, label: `starters, ${LEARNER_MISSING_TOOLS} unreachable` },
    { impl: "solutions", env: {}, label: "solutions in labs/" },
  ];
  // Side by side: the two runs share nothing but the machine (each kernel has its own ports and scratch).
  const results = await Promise.all(passes.map(notebooksPass));
  const problems: string[] = [];
  const notes: string[] = [];
  for (const [i, pass] of passes.entries()) {
    const { code, output } = results[i]!;
    notes.push(`-- ${pass.label}\n${output.trimEnd()}`);
    if (code !== 0) problems.push(`notebooks against ${pass.label}: failed (exit ${code}), see above`);
  }
  return { problems, notes, cpuSeconds: results.reduce((sum, { cpuSeconds }) => sum + cpuSeconds, 0) };
}

const FLAGS = ["--no-notebooks", "--no-machinery", "--dry-run", "--help"];
const USAGE = `usage: npm test [-- <chapter>...] [--no-notebooks] [--no-machinery] [--dry-run]
  <chapter>       check only these chapters ("03", "03-pipes" or "pipes"): type checks, integrity,
                  lab (solution passes, starter fails) and notebook; the machinery tests are skipped
  --no-notebooks  skip running the notebooks (against the starters and the solutions)
  --no-machinery  skip the machinery tests (kernel, runner, grader)
  --dry-run       print the steps this run would take, and run none
  --help          this text`;

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const flags = new Set<string>();
  const selected: Chapter[] = [];
  for (const arg of argv) {
    if (arg.startsWith("-")) {
      if (arg === "-h") flags.add("--help");
      else if (FLAGS.includes(arg)) flags.add(arg);
      else throw new UsageError(`unknown option "${arg}"`);
      continue;
    }
    try {
      const chapter = findChapter(arg);
      if (!selected.includes(chapter)) selected.push(chapter);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (flags.has("--help")) {
    console.log(USAGE);
    process.exit(0);
  }
  const someChapters = selected.length > 0;
  return {
    selected: someChapters ? selected : chapters,
    someChapters,
    notebooks: !flags.has("--no-notebooks"),
    machinery: !flags.has("--no-machinery") && !someChapters,
    dryRun: flags.has("--dry-run"),
  };
}

/** A chapter's own files, for lint and format: its lab, its solution, its manifest entry (and the manifest that lists it). */
function chapterFiles(selected: Chapter[]): string[] {
  const files = selected.flatMap((c) => [labFolder(c), solutionFolder(c), `course/chapters/${labId(c)}.ts`]);
  return [...files, "course/manifest.ts"].filter((file) => existsSync(path.join(courseRoot, file)));
}

/**
 * For `npm test -- NN`, the files the project's type checks start from: the chapters' own (lab,
 * tests, solution, manifest entry), the manifest, and every file that names a chapter's folder
 * (a bench that imports its solution, say). TypeScript adds what they import.
 */
function filesOfChapters(selected: Chapter[]): (file: string) => boolean {
  const ids = selected.map(labId);
  return (file) => {
    const relative = path.relative(courseRoot, file);
    if (relative === path.join("course", "manifest.ts")) return true;
    const own = (id: string): boolean =>
      relative.startsWith(`labs/${id}/`) || relative.startsWith(`solutions/${id}/`) || relative === `course/chapters/${id}.ts`;
    if (ids.some(own)) return true;
    const text = readFileSync(file, "utf8");
    return ids.some((id) => text.includes(id));
  };
}

/** What tslab compiles for these chapters: their labs and solutions, and the notebook kit. */
function notebookImportableOf(selected: Chapter[]): string[] {
  const dirs = [...selected.flatMap((c) => [`labs/${labId(c)}/`, `solutions/${labId(c)}/`]), "course/notebook-kit/"];
  return notebookImportable().filter((file) => dirs.some((dir) => path.relative(courseRoot, file).startsWith(dir)));
}

async function main(): Promise<void> {
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  const { selected, someChapters } = options;
  const which = someChapters ? `chapter${selected.length > 1 ? "s" : ""} ${selected.map(labId).join(", ")}` : `all ${chapters.length} chapters`;
  console.log(options.dryRun ? `npm test would check ${which}, in these steps:` : `npm test: ${which}`);
  // Everything that runs in a child starts now, side by side, each reported later in its place:
  // Prettier; the lab runs (solutions, then starters, one lab at a time, in a child of their own:
  // the grader there counts only its own descendants); the machinery tests; the two notebook
  // passes. They share nothing but the machine, and the longest (a notebook pass, twelve notebooks
  // one after another) starts first and goes first (BACKGROUND), so the cores stay busy to the
  // end. (Marked handled at once: a rejection waits for its step.)
  runStarted = performance.now();
  const styled = someChapters ? chapterFiles(selected) : ["."];
  const notebooksRun = options.notebooks ? startEarly(notebooksCheck) : undefined;
  const machineryRun = options.machinery ? startEarly(machineryTests) : undefined;
  const formatRun = startEarly(() => formatProblems(styled, { niceness: BACKGROUND }));
  const solutionsRun = startEarly(() => labRunsInChild(selected, "solutions", "pass", { niceness: BACKGROUND }));
  const startersRun = startEarly(async () => {
    await solutionsRun.result;
    return labRunsInChild(selected, "labs", "fail", { niceness: BACKGROUND });
  });
  // Meanwhile, in this process: the checks that read the project's types share its two programs
  // (project-programs.ts), built once; for some chapters, from their files only.
  if (someChapters) narrowCourseProgram(filesOfChapters(selected));
  await check("type-check (project TypeScript, strict)", projectTypeErrors);
  const where = someChapters ? `on the files of ${which}` : ".";
  await check(`lint (eslint ${where})`, () => lintProblems(styled));
  await check("type-check against the newest Node's types (@types/node24)", newestNodeTypeErrors);
  await check("type-check (tslab's TypeScript 5.0, what notebooks import)", () => tslabTypeErrors(someChapters ? notebookImportableOf(selected) : undefined));
  await checkEarly(`format (prettier --check ${where})`, formatRun);
  await check("integrity: manifest, notebooks, starters, hints", () => staticProblems(selected));
  await check("integrity: starters export what solutions export", () => exportMismatches(selected));
  await check("integrity: imports go down the layers only (course/check/layers.ts)", () => layerProblems(courseRoot));
  await check("integrity: notebooks and labs never refer to solutions/", () => solutionReferences(courseRoot));
  await check("integrity: the learners' copy keeps every file its files import (course/handout/contents.ts)", () => handoutImportProblems(courseRoot));
  await check("integrity: README chapter table matches the manifest", readmeProblems);
  await check("integrity: lab snapshot up to date (npm run course:freeze)", snapshotProblems);
  await checkEarly(`solutions pass every test (${which})`, solutionsRun);
  await checkEarly(`untouched starters fail every test (${which})`, startersRun);
  if (machineryRun) await checkEarly("machinery tests (kernel, runner, grader)", machineryRun);
  if (notebooksRun) await checkEarly(`notebooks run with no error, against the starters and the solutions (course kernel; ${which})`, notebooksRun);
  if (options.dryRun) process.exit(0);

  const failed = results.filter((r) => r.problems.length > 0);
  const testCount = selected.reduce((n, c) => n + labTestFiles(c).length, 0);
  console.log(`\n${selected.length} chapter${selected.length > 1 ? "s" : ""}, ${testCount} test files.`);
  // Where the CPU went: on two busy cores, the wall time is about the CPU time over two.
  const own = cpuSecondsOf(process.cpuUsage());
  const children = reapedChildrenCpuSeconds();
  const wall = (performance.now() - runStarted) / 1000;
  console.log(
    `CPU time ${(own + children).toFixed(0)} s in ${wall.toFixed(0)} s on ${os.availableParallelism()} core(s): ` +
      `${own.toFixed(0)} s in this process, ${children.toFixed(0)} s in the steps' processes (those that were waited for)`,
  );
  console.log(`check: ${results.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length === 0 ? 0 : 1);
}

await main();
