// Run one lab's tests and say what happened to each, whatever the lab code does:
// fail, never resolve, loop forever, fail to compile, crash, forge results, or
// leave processes behind.
//
// The shape of a run (see DESIGN.md):
//   grader (child subreaper) ─▶ guard.ts (child subreaper, dies with the grader) ─▶ vitest (own group) ─▶ workers ─▶ lab
// - Results come back only over the results channel, fd 3 of vitest's main process, where the
//   grader's reporter runs (see events.ts); the test processes' own trace says only which test
//   was running.
// - The watchdog (watchdog.ts) kills vitest's group when a test process stops showing signs of
//   life, or at the lab's time limit.
// - Afterwards every process the run started is killed; those the lab left are named, with the
//   test that was running when they were born, and fail that test.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { isRunning } from "../foundation/proc";
import { becomeSubreaper, reapOrphans } from "../foundation/subreaper";
import { type Chapter } from "../manifest";
import { parseResults, readTrace, type GradeEvent } from "./events";
import { buildOutcomes, type TestOutcome } from "./outcomes";
import { GuardedVitest, watchOver, type Containment, type RunExit } from "./guarded-vitest";
import { RunProcesses, type Straggler } from "./processes";
import { heartbeatPids, RUN_ID_VARIABLE, TESTS_DIR_VARIABLE, TRACE_DIR_VARIABLE, traceFile } from "./run-env";
import { attributeBirths, explainEnd, failLeavers, NO_RESULT } from "./run-end";
import { courseRoot, filesUnder, type Impl, labId, testsFolder } from "../foundation/layout";
import { TS_CACHE_VARIABLE } from "../foundation/run-typescript";

export type { TestOutcome } from "./outcomes";
export type { Straggler } from "./processes";

export type { Containment } from "./guarded-vitest";

export interface LabRun {
  /** "00-welcome" */
  lab: string;
  impl: Impl;
  outcomes: TestOutcome[];
  /** A test file or module failed to load or transform (a syntax error...): which, and where. */
  compileError?: string;
  /** The run did not finish normally (a test never gave control back, the time limit passed, a test process crashed or was killed): what happened, as a sentence. */
  hung?: string;
  /** Processes left by the run, already killed. Each one fails the test during which it was born (or the lab). */
  stragglers: Straggler[];
  /** How processes were contained and found. */
  containment: Containment;
  /** The run was stopped through `signal` (Ctrl-C, or watch moving on); its outcomes are incomplete. */
  cancelled?: true;
  durationMs: number;
}

export interface RunLabOptions {
  impl: Impl;
  /** Stop the whole run after this long (a synchronous infinite loop is immune to vitest's per-test limit). Default: the lab's, from the manifest. */
  wallTimeoutMs?: number;
  /** Stop the run when a test process shows no sign of life (no heartbeat) for this long. */
  stallTimeoutMs?: number;
  /** Another tests folder, relative to the course root (the grader's own tests use fixture labs). */
  testsDir?: string;
  /** Aborting stops the run at once: vitest's process group and everything the run started are killed. */
  signal?: AbortSignal;
  /** Run only the tests whose full name matches (vitest -t): one task's tests, for `grade --task`. */
  testNamePattern?: string;
}

/** For a lab whose manifest sets no time limit. */
export const DEFAULT_WALL_TIMEOUT_MS = 120_000;
/** Longer than vitest's 20 s per-test limit: an event loop blocked this long is not a slow test. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** The lab's time limit: from the manifest (sized so the model solution passes with both cores busy), or the default. */
export function labTimeLimitMs(chapter: Chapter): number {
  const seconds = chapter.lab.timeLimitSeconds;
  return seconds === undefined ? DEFAULT_WALL_TIMEOUT_MS : seconds * 1000;
}

const vitestBin = path.join(path.dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
export const graderConfig = "course/grader/vitest.config.ts";

interface VitestRun {
  testsDir: string;
  env: NodeJS.ProcessEnv;
  scratch: string;
  traceDir: string;
  processes: RunProcesses;
  wallTimeoutMs: number;
  stallTimeoutMs: number;
  signal: AbortSignal | undefined;
  testNamePattern: string | undefined;
}

/** Run `vitest run` over `testsDir` under the guard; kill its process group when the watchdog says so or `signal` aborts. */
async function runVitest({ testsDir, env, scratch, traceDir, processes, wallTimeoutMs, stallTimeoutMs, signal, testNamePattern }: VitestRun): Promise<{
  exit: RunExit;
  vitest: GuardedVitest;
}> {
  const filter = testNamePattern === undefined ? [] : ["--testNamePattern", testNamePattern];
  const vitest = new GuardedVitest(scratch, [process.execPath, vitestBin, "run", "--config", graderConfig, ...filter, testsDir], env, processes, false);
  const { end, stopped, cancelled } = await watchOver(vitest, vitest.ended, { traceDir, processes, wallTimeoutMs, stallTimeoutMs, signal });
  return { exit: { ...end, ...(stopped ? { stopped } : {}), cancelled, output: vitest.output.toString() }, vitest };
}

/**
 * Test processes that died in the middle of a test: a test started there and never ended, and
 * the process is gone without running its exit handlers (its heartbeat file is still there).
 * (vitest ends its workers with a signal too, but between tests.)
 */
export function diedInTest(traceDir: string, trace: GradeEvent[]): number[] {
  const open = new Map<number, number>();
  for (const event of trace) {
    if (event.type === "started") open.set(event.pid, (open.get(event.pid) ?? 0) + 1);
    if (event.type === "finished" && event.pid !== undefined) open.set(event.pid, (open.get(event.pid) ?? 0) - 1);
  }
  return heartbeatPids(traceDir).filter((pid) => (open.get(pid) ?? 0) > 0 && !isRunning(pid));
}

/** The lab's test files, relative to the course root. */
export function testFilesOf(testsDir: string): string[] {
  return filesUnder(testsDir)
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => `${testsDir}/${file}`);
}

/** A run that cannot start: the lab has no test files. */
export function noTestFiles(testsDir: string): Pick<LabRun, "outcomes" | "compileError" | "stragglers"> {
  return { outcomes: [], compileError: `${testsDir} has no test files (*.test.ts). \`git checkout ${testsDir}\` restores them.`, stragglers: [] };
}

/** A run's scratch folder: the trace folder, and vitest's temp dir (its transform cache), removed with it. */
export function makeScratch(): { scratch: string; traceDir: string; tmp: string } {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "course-grade-"));
  const traceDir = path.join(scratch, "trace");
  const tmp = path.join(scratch, "tmp");
  mkdirSync(traceDir);
  mkdirSync(tmp);
  return { scratch, traceDir, tmp };
}

/** The environment of a graded vitest: which implementation, which tests, where the trace goes, the run's marker. */
export function runEnvironment(impl: Impl, testsDir: string, traceDir: string, tmp: string, runId: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    COURSE_IMPL: impl,
    [RUN_ID_VARIABLE]: runId,
    [TESTS_DIR_VARIABLE]: testsDir,
    [TRACE_DIR_VARIABLE]: traceDir,
    // vitest keeps transformed modules in a folder under the temp dir and does not
    // always remove it (never, when the run is killed): keep it inside our scratch.
    TMPDIR: tmp,
    // The course's TypeScript loader keeps its JavaScript there too, for the run's processes only.
    [TS_CACHE_VARIABLE]: path.join(tmp, "typescript"),
  };
}

export function newRunId(): string {
  return randomBytes(8).toString("hex");
}

/** Everything the judge needs to know of one run. */
export interface RunRecord {
  chapter: Chapter;
  testsDir: string;
  testFiles: string[];
  exit: RunExit;
  /** The run's share of the results channel. */
  resultsText: string;
  trace: GradeEvent[];
  diedSuddenly: number[];
  stragglers: Straggler[];
}

/** Turn what a run left (results, trace, how it ended, stragglers) into one outcome per test, and the run's verdict. */
export function judgeRun({
  chapter,
  testsDir,
  testFiles,
  exit,
  resultsText,
  trace,
  diedSuddenly,
  stragglers,
}: RunRecord): Pick<LabRun, "outcomes" | "compileError" | "hung"> {
  const results = parseResults(resultsText, courseRoot);
  // The trace says which test started and ended where; its results never count (see events.ts).
  const traced: GradeEvent[] = trace.flatMap((event): GradeEvent[] => {
    if (event.type === "started") return [event];
    if (event.type === "finished")
      return [{ ...event, state: "skip", message: "its result never reached the grader: the run ended before vitest's main process reported it" }];
    return []; // file loading: only for left-behind processes
  });
  const summary = buildOutcomes({
    events: [...results.events, ...traced],
    testFiles,
    taskIds: chapter.lab.tasks.map((task) => task.id),
    ...(exit.stopped ? { stopped: exit.stopped } : {}),
    courseRoot,
  });
  attributeBirths(stragglers, trace);
  const ending = explainEnd({ ...exit, results: resultsText, diedSuddenly }, results, trace, summary);
  let outcomes = summary.outcomes;
  const { noResultReason, voidResults } = ending;
  if (noResultReason !== undefined) {
    outcomes = outcomes.map((outcome) => (outcome.message === NO_RESULT ? { ...outcome, message: noResultReason } : outcome));
  }
  outcomes = failLeavers(outcomes, stragglers);
  if (voidResults !== undefined) {
    outcomes = outcomes.map((outcome) =>
      outcome.state === "pass" ? { ...outcome, state: "fail" as const, message: "not counted: the run's results were tampered with (see above)" } : outcome,
    );
  }
  // vitest failed before any test file was even looked at: a broken config, a missing dependency.
  const collected = results.events.some((event) => event.type === "collected");
  let { compileError } = summary;
  if (!exit.stopped && !exit.cancelled && exit.code !== 0 && !collected && ending.hung === undefined && compileError === undefined) {
    compileError = `vitest could not run ${testsDir} (exit code ${exit.code ?? exit.signal ?? "none"}):\n${exit.output || "(no output)"}`;
  }
  const hung = [summary.hung, ending.hung].filter((text) => text !== undefined).join("; ");
  return {
    outcomes,
    ...(compileError === undefined ? {} : { compileError }),
    ...(hung === "" ? {} : { hung }),
  };
}

export async function runLab(chapter: Chapter, options: RunLabOptions): Promise<LabRun> {
  const began = performance.now();
  const testsDir = options.testsDir ?? testsFolder(chapter);
  const testFiles = testFilesOf(testsDir);
  const subreaper = becomeSubreaper();
  const finish = (parts: Omit<LabRun, "lab" | "impl" | "durationMs" | "containment"> & { containment?: Containment }): LabRun => ({
    lab: labId(chapter),
    impl: options.impl,
    containment: { kind: subreaper.active ? "subreaper" : "groups only", mechanism: subreaper.mechanism },
    ...parts,
    durationMs: Math.round(performance.now() - began),
  });

  if (testFiles.length === 0) return finish(noTestFiles(testsDir));

  const { scratch, traceDir, tmp } = makeScratch();
  const runId = newRunId();
  try {
    const processes = new RunProcesses(runId, courseRoot);
    const { exit, vitest } = await runVitest({
      testsDir,
      env: runEnvironment(options.impl, testsDir, traceDir, tmp, runId),
      scratch,
      traceDir,
      processes,
      wallTimeoutMs: options.wallTimeoutMs ?? labTimeLimitMs(chapter),
      stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
      signal: options.signal,
      testNamePattern: options.testNamePattern,
    });
    const stragglers = await processes.sweep();
    // vitest wrote its last results before it exited, but they may still be on their way: the
    // channel ends when every holder is gone (vitest, and its esbuild, swept just now).
    await vitest.results.ended(5_000);
    // Read the trace before the guard goes: it removes the scratch folder.
    const trace = readTrace(traceFile(traceDir), courseRoot);
    const diedSuddenly = exit.stopped || exit.cancelled ? [] : diedInTest(traceDir, trace);
    await vitest.release();
    // Processes of the run that ended by themselves after the guard had gone (vitest, its esbuild)
    // came to this subreaper as orphans: reap them, or they stay zombies until the grader exits.
    // The guard was Node's own child: libuv has reaped it, and it must never be stolen from libuv.
    reapOrphans((pid) => pid === vitest.guard.pid);
    const verdict = judgeRun({ chapter, testsDir, testFiles, exit, resultsText: vitest.results.since(), trace, diedSuddenly, stragglers });
    return finish({
      ...verdict,
      stragglers,
      containment: vitest.containment,
      ...(exit.cancelled ? { cancelled: true as const } : {}),
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
