// Labs graded again and again by one warm vitest (`npm run watch` on every save, `npm test` for
// every lab in turn): the same run as runLab (run-lab.ts), the same verdict, without paying
// vitest's start-up each time.
//
//   grader ─▶ guard.ts ─▶ warm-vitest.ts (one vitest, kept) ─▶ a fresh test process per test file ─▶ lab
//
// What stays the same as a cold run: the guard (nothing outlives the grader), the results channel
// (fd 3; each run's share of it is judged alone, from its "run-start" to its "run-end"), the trace
// and heartbeat, the watchdog, the sweep of every process a run left, and the judge (judgeRun).
// What differs: vitest's main process, its esbuild and one spare test process outlive a run. The
// spare has run nothing (a test process runs one test file, then is replaced), so the sweep spares
// it; every process that ran a test, and everything those started, is killed as after a cold run.
// A run that did not end normally (stopped by the watchdog, cancelled, vitest or a test process
// killed or crashed, results tampered with) throws the warm vitest away: the next run starts a
// fresh one, so a lab that broke its test run can never spoil the next grade.
import { rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { isAlive } from "../foundation/processes";
import { processEntry, type ProcessEntry } from "../foundation/proc";
import { reapOrphans } from "../foundation/subreaper";
import { courseRoot, labId, testsFolder, type Impl } from "../foundation/layout";
import type { Chapter } from "../manifest";
import { readTrace } from "./events";
import { GuardedVitest, watchOver, type RunExit } from "./guarded-vitest";
import { RunProcesses } from "./processes";
import { heartbeatFile, heartbeatPids, traceFile } from "./run-env";
import {
  DEFAULT_STALL_TIMEOUT_MS,
  diedInTest,
  graderConfig,
  judgeRun,
  labTimeLimitMs,
  makeScratch,
  newRunId,
  noTestFiles,
  runEnvironment,
  testFilesOf,
  type LabRun,
  type RunLabOptions,
} from "./run-lab";
import { tsNodeArgs } from "../foundation/run-typescript";

const warmScript = path.join(courseRoot, "course/grader/warm-vitest.ts");

/**
 * vitest's Node API, loaded by the warm vitest before the course's TypeScript loader: its few
 * hundred JavaScript modules then skip the loader's hooks, which on Node 20 run in a thread of
 * their own, one round trip per module. On Node 20, importing the API took about 0.4 s of CPU
 * under the loader and 0.33 s with it loaded first (under tsx's hooks, 1.0 s); warm-vitest.ts's
 * own import of it then finds it loaded.
 */
const vitestApi = pathToFileURL(createRequire(import.meta.url).resolve("vitest/node")).href;

/** One warm vitest: its guard, scratch folder, trace folder and run marker, for as long as it lives. */
interface Instance {
  vitest: GuardedVitest;
  scratch: string;
  traceDir: string;
  runId: string;
  runs: number;
}

export type WarmRunOptions = Omit<RunLabOptions, "impl">;

/** Every lab's tests: one warm vitest can grade any lab. */
export const EVERY_LAB = "labs/*/tests";

export class WarmGrader {
  private instance: Instance | undefined;

  constructor(
    private readonly impl: Impl,
    /** The tests folders this vitest may run, relative to the course root: a glob (every lab's), or one folder (a fixture lab). */
    private readonly scope: string = EVERY_LAB,
  ) {}

  /** The warm vitest's main process, while there is one (tests check that it is kept, or replaced). */
  get vitestPid(): number | undefined {
    return this.instance?.vitest.vitestPid;
  }

  /** Start the warm vitest now, if none is running: the next run finds it ready. */
  prepare(): void {
    this.instance ??= this.start();
  }

  private start(): Instance {
    const { scratch, traceDir, tmp } = makeScratch();
    const runId = newRunId();
    const env = runEnvironment(this.impl, this.scope, traceDir, tmp, runId);
    const vitest = new GuardedVitest(scratch, [process.execPath, "--import", vitestApi, ...tsNodeArgs, warmScript, graderConfig], env, undefined, true);
    return { vitest, scratch, traceDir, runId, runs: 0 };
  }

  /** Grade a lab once: the same LabRun as runLab, from the warm vitest (started first when there is none). */
  async run(chapter: Chapter, options: WarmRunOptions = {}): Promise<LabRun> {
    const began = performance.now();
    const testsDir = options.testsDir ?? testsFolder(chapter);
    const testFiles = testFilesOf(testsDir);
    const lab = labId(chapter);
    if (testFiles.length === 0) {
      return { lab, impl: this.impl, ...noTestFiles(testsDir), containment: { kind: "groups only", mechanism: "no run" }, durationMs: 0 };
    }
    const instance = this.instance ?? this.start();
    this.instance = instance;
    const { vitest, traceDir } = instance;
    // Not awaited when it has started already: the command then goes out before the caller does
    // anything else (grade-lab.ts type-checks the lab right after calling run()).
    if (vitest.vitestPid === undefined) await vitest.started;

    // Each run's own trace: the last run's test processes are gone, and so are their lines.
    writeFileSync(traceFile(traceDir), "");
    forgetDeadHeartbeats(traceDir);
    const processes = new RunProcesses(instance.runId, courseRoot);
    processes.setGuard(vitest.guard.pid ?? -1, vitest.guardHelpers);
    if (vitest.vitestPid !== undefined) processes.observe(vitest.vitestPid);
    const resultsMark = vitest.results.mark();
    vitest.results.forget(resultsMark);
    const outputMark = vitest.output.mark();
    instance.runs += 1;
    vitest.commands?.write(`${JSON.stringify({ run: instance.runs, testsDir, testNamePattern: options.testNamePattern ?? null })}\n`);

    const finished = Promise.race([vitest.results.runEnd(resultsMark).then(() => "run-end" as const), vitest.ended]);
    const { end, stopped, cancelled } = await watchOver(vitest, finished, {
      traceDir,
      processes,
      wallTimeoutMs: options.wallTimeoutMs ?? labTimeLimitMs(chapter),
      stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
      signal: options.signal,
    });
    const exit: RunExit = {
      ...(end === "run-end" ? { code: 0, signal: null } : end),
      ...(stopped ? { stopped } : {}),
      cancelled,
      output: vitest.output.since(outputMark),
    };
    const alive = end === "run-end" && !stopped && !cancelled;

    const trace = readTrace(traceFile(traceDir), courseRoot);
    // The processes that ran this run's tests are done; the spare one that ran nothing stays, with
    // what it runs as it starts (tinypool asks `sh -c "cat /proc/cpuinfo | ..."` for the CPUs).
    const ranTests = new Set(trace.map((event) => ("pid" in event ? event.pid : undefined)));
    const spare = alive ? (entry: ProcessEntry) => spareOrItsOwn(entry, vitest.vitestPid, ranTests) : undefined;
    const stragglers = await processes.sweep(5_000, spare);
    const diedSuddenly = stopped || cancelled ? [] : diedInTest(traceDir, trace);
    const verdict = judgeRun({
      chapter,
      testsDir,
      testFiles,
      exit,
      resultsText: vitest.results.since(resultsMark),
      trace,
      diedSuddenly,
      stragglers,
    });
    if (!alive || verdict.hung !== undefined) await this.close();
    return {
      lab,
      impl: this.impl,
      ...verdict,
      stragglers,
      containment: vitest.containment,
      ...(cancelled ? { cancelled: true as const } : {}),
      durationMs: Math.round(performance.now() - began),
    };
  }

  /** Stop the warm vitest and everything it started; the next run starts a fresh one. */
  async close(): Promise<void> {
    const instance = this.instance;
    if (!instance) return;
    this.instance = undefined;
    await instance.vitest.release();
    // Processes of the run that ended after the guard had gone came to this subreaper: reap them.
    reapOrphans((pid) => pid === instance.vitest.guard.pid);
    rmSync(instance.scratch, { recursive: true, force: true });
  }
}

/**
 * A spare test process (a direct child of vitest's main process that ran no test this run), or a
 * process it started: found by walking up the parents. A lab's process descends from a test
 * process that ran tests, or from the guard once orphaned, never from the spare.
 */
function spareOrItsOwn(entry: ProcessEntry, vitestPid: number | undefined, ranTests: ReadonlySet<number | undefined>): boolean {
  let current: ProcessEntry | undefined = entry;
  for (let hops = 0; current !== undefined && hops < 8; hops++) {
    if (current.ppid === vitestPid) return !ranTests.has(current.pid);
    current = processEntry(current.ppid);
  }
  return false;
}

/** Heartbeat files left by test processes that died (killed after their last test): not this run's. */
function forgetDeadHeartbeats(traceDir: string): void {
  for (const pid of heartbeatPids(traceDir)) {
    if (!isAlive(pid)) rmSync(heartbeatFile(traceDir, pid), { force: true });
  }
}
