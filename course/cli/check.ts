// npm test: the maintainers' proof that the course is sound.
//   1. type-check: the project's TypeScript (strict), and tslab's TypeScript 5.0
//      over everything notebooks can import, and against the newest Node's types; lint and format;
//   2. integrity: manifest, notebooks, starters, hints, exports, snapshot;
//   3. every solution passes every test of its lab;
//   4. every untouched starter fails every test of its lab (no vacuous test);
//   5. the machinery's own tests (kernel, runner, grader);
//   6. every notebook runs top to bottom through the course kernel, twice, side by side: against
//      the untouched starters, with python3, strace and faketime unreachable (a learner's fresh
//      copy on a bare machine), and with the solutions in labs/ (every lab cell shows the
//      finished behaviour: no NOT_YET marker).
// Flags: --no-notebooks, --no-machinery (quicker local runs; CI runs all).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { solutionReferences } from "../check/model-answers";
import { exportMismatches, staticProblems, testFiles } from "../check/integrity";
import { readmeProblems } from "../check/readme";
import { projectTypeErrors, tslabTypeErrors } from "../check/typecheck";
import { formatProblems, lintProblems } from "../check/lint";
import { newestNodeTypeErrors } from "../check/newest-node";
import { runLab, type LabRun } from "../grader/run-lab";
import { snapshotProblems } from "../grader/snapshot";
import { courseRoot, type Impl } from "../impl";
import { chapters, labDir, notebookPath, type Chapter } from "../manifest";
import { HIDE_TOOLS_VARIABLE } from "../runner/hide-tools";

interface CheckResult {
  name: string;
  problems: string[];
}

const results: CheckResult[] = [];

async function check(name: string, run: () => string[] | Promise<string[]>): Promise<void> {
  const started = performance.now();
  process.stdout.write(`… ${name}\n`);
  let problems: string[];
  try {
    problems = await run();
  } catch (err) {
    problems = [`the check itself failed: ${(err as Error).stack ?? String(err)}`];
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${problems.length === 0 ? "ok  " : "FAIL"} ${name} (${seconds} s)`);
  for (const problem of problems) console.log(`     ${problem.split("\n").join("\n     ")}`);
  results.push({ name, problems });
}

/** What is wrong with a lab run, given what every test should have done. */
function labProblems(chapter: Chapter, run: LabRun, expected: "pass" | "fail"): string[] {
  const where = `${run.impl}/${labDir(chapter)}`;
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

async function labsCheck(impl: Impl, expected: "pass" | "fail"): Promise<string[]> {
  const problems: string[] = [];
  for (const chapter of chapters) {
    const run = await runLab(chapter, { impl });
    const counts = `${run.outcomes.filter((o) => o.state === expected).length}/${run.outcomes.length}`;
    const skipped = run.outcomes.filter((o) => o.state === "skip");
    console.log(`     ${labDir(chapter)}: ${counts} ${expected === "pass" ? "passed" : "failed"} (${(run.durationMs / 1000).toFixed(1)} s)`);
    for (const s of skipped) console.log(`       skipped: ${s.name}`);
    problems.push(...labProblems(chapter, run, expected));
  }
  return problems;
}

function machineryTests(): string[] {
  const vitest = createRequire(import.meta.url).resolve("vitest/vitest.mjs");
  const config = path.join(courseRoot, "course", "tests", "vitest.config.ts");
  // vitest may leave its transform cache in the temp dir: give it one we remove.
  const scratch = mkdtempSync(path.join(os.tmpdir(), "course-machinery-"));
  const result = spawnSync(process.execPath, [vitest, "run", "--config", config], {
    cwd: courseRoot,
    env: { ...process.env, TMPDIR: scratch },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  rmSync(scratch, { recursive: true, force: true });
  if (result.status === 0) return [];
  const output = (result.stdout + result.stderr).split("\n");
  return [`the machinery tests failed (npx vitest run --config course/tests/vitest.config.ts):`, ...output.slice(-60)];
}

/** The optional tools a learner's machine often lacks; the starters pass runs without them. */
const LEARNER_MISSING_TOOLS = "python3,strace,faketime";

interface Pass {
  impl: Impl;
  env: NodeJS.ProcessEnv;
  label: string;
}

/** Run `npm run notebooks -- --impl <impl>` as a child (each pass is its own runner and subreaper). */
function notebooksPass({ impl, env }: Pass): Promise<{ code: number | null; output: string }> {
  const tsx = createRequire(import.meta.url).resolve("tsx/cli");
  const cli = path.join(courseRoot, "course", "cli", "notebooks.ts");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, cli, "--impl", impl], {
      cwd: courseRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", (err) => resolve({ code: null, output: `${output}\ncould not start the runner: ${err.message}` }));
    child.on("close", (code) => resolve({ code, output }));
  });
}

async function notebooksCheck(): Promise<string[]> {
  const passes: Pass[] = [
    { impl: "labs", env: { [HIDE_TOOLS_VARIABLE]: LEARNER_MISSING_TOOLS }, label: `starters, ${LEARNER_MISSING_TOOLS} unreachable` },
    { impl: "solutions", env: {}, label: "solutions in labs/" },
  ];
  // Side by side: the two runs share nothing but the machine (each kernel has its own ports and scratch).
  const results = await Promise.all(passes.map(notebooksPass));
  const problems: string[] = [];
  for (const [i, pass] of passes.entries()) {
    const { code, output } = results[i]!;
    console.log(`     -- ${pass.label}\n     ${output.trimEnd().split("\n").join("\n     ")}`);
    if (code !== 0) problems.push(`notebooks against ${pass.label}: failed (exit ${code}), see above`);
  }
  return problems;
}

const FLAGS = ["--no-notebooks", "--no-machinery"];
const USAGE = `usage: npm test [-- --no-notebooks] [-- --no-machinery]
  --no-notebooks  skip running every notebook (against the starters and the solutions)
  --no-machinery  skip the machinery tests (kernel, runner, grader)`;

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  if (args.has("--help") || args.has("-h")) {
    console.log(USAGE);
    process.exit(0);
  }
  const unknown = [...args].filter((arg) => !FLAGS.includes(arg));
  if (unknown.length > 0) {
    console.error(`unknown option${unknown.length > 1 ? "s" : ""} ${unknown.map((a) => `"${a}"`).join(", ")}\n${USAGE}`);
    process.exit(2);
  }
  await check("type-check (project TypeScript, strict)", projectTypeErrors);
  await check("type-check (tslab's TypeScript 5.0, what notebooks import)", () => tslabTypeErrors());
  await check("type-check against the newest Node's types (@types/node24)", newestNodeTypeErrors);
  await check("lint (eslint .)", lintProblems);
  await check("format (prettier --check .)", formatProblems);
  await check("integrity: manifest, notebooks, starters, hints", staticProblems);
  await check("integrity: starters export what solutions export", exportMismatches);
  await check("integrity: notebooks and labs never refer to solutions/", () => solutionReferences(courseRoot));
  await check("integrity: README chapter table matches the manifest", readmeProblems);
  await check("integrity: lab snapshot up to date (npm run course:freeze)", snapshotProblems);
  await check("solutions pass every test", () => labsCheck("solutions", "pass"));
  await check("untouched starters fail every test", () => labsCheck("labs", "fail"));
  if (!args.has("--no-machinery")) await check("machinery tests (kernel, runner, grader)", machineryTests);
  if (!args.has("--no-notebooks")) await check("notebooks run with no error, against the starters and the solutions (course kernel)", notebooksCheck);

  const failed = results.filter((r) => r.problems.length > 0);
  const testCount = chapters.reduce((n, c) => n + testFiles(c).length, 0);
  console.log(`\n${chapters.length} chapters, ${testCount} test files.`);
  console.log(`check: ${results.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length === 0 ? 0 : 1);
}

await main();
