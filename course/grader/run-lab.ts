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
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { isRunning } from "../foundation/proc";
import { becomeSubreaper, reapOrphans } from "../foundation/subreaper";
import { type Chapter } from "../manifest";
import { tsNodeArgs } from "../foundation/tsx";
import { parseResults, readTrace, type GradeEvent } from "./events";
import { buildOutcomes, type TestOutcome } from "./outcomes";
import { killGroup } from "../foundation/processes";
import { RunProcesses, type Straggler } from "./processes";
import { RUN_ID_VARIABLE, TESTS_DIR_VARIABLE, TRACE_DIR_VARIABLE, traceFile } from "./run-env";
import { attributeBirths, explainEnd, failLeavers, NO_RESULT, type VitestEnd } from "./run-end";
import { watchRun, type StopReason } from "./watchdog";
import { courseRoot, filesUnder, type Impl, labId, testsFolder } from "../foundation/layout";

export type { TestOutcome } from "./outcomes";
export type { Straggler } from "./processes";

export interface Containment {
  /** "subreaper": every descendant is found; "groups only": orphans go to pid 1, found by process group and marker. */
  kind: "subreaper" | "groups only";
  /** Which mechanism ran, in a sentence. */
  mechanism: string;
}

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
const graderConfig = "course/grader/vitest.config.ts";
const guardScript = path.join(courseRoot, "course/grader/guard.ts");

/** The end of a stream's text (vitest prints little: the grader's reporter replaces its console output). */
class OutputTail {
  private text = "";
  constructor(private readonly limit = 8_000) {}
  add(chunk: Buffer): void {
    this.text = (this.text + chunk.toString("utf8")).slice(-this.limit);
  }
  toString(): string {
    return this.text.trim();
  }
}

/** What came over a stream so far, and a way to wait for its end. */
interface Collected {
  text: () => string;
  /** Resolves when the stream has ended (every writer is gone), or after `timeoutMs`. */
  ended: (timeoutMs: number) => Promise<void>;
}

function collect(stream: Readable): Collected {
  const chunks: Buffer[] = [];
  let done = false;
  const finished = new Promise<void>((resolve) => {
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  }).then(() => {
    done = true;
  });
  return {
    text: () => Buffer.concat(chunks).toString("utf8"),
    ended: async (timeoutMs) => {
      if (done) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}

/** JSON lines from the guard's stdout, to `onMessage`. */
function guardMessages(guard: ChildProcess, onMessage: (message: Record<string, unknown>) => void): void {
  let pending = "";
  guard.stdout?.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        onMessage(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not from the guard: nothing else writes there.
      }
    }
  });
}

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

/** Run vitest over `testsDir` under the guard; kill its process group when the watchdog says so or `signal` aborts. */
async function runVitest({
  testsDir,
  env,
  scratch,
  traceDir,
  processes,
  wallTimeoutMs,
  stallTimeoutMs,
  signal,
  testNamePattern,
}: VitestRun): Promise<Omit<VitestEnd, "results"> & { results: Collected; guard: ChildProcess; containment: Containment }> {
  const filter = testNamePattern === undefined ? [] : ["--testNamePattern", testNamePattern];
  const guard = spawn(
    process.execPath,
    [...tsNodeArgs, guardScript, scratch, process.execPath, vitestBin, "run", "--config", graderConfig, ...filter, testsDir],
    {
      cwd: courseRoot,
      env,
      stdio: ["pipe", "pipe", "pipe", "pipe"],
    },
  );
  guard.stdin?.on("error", () => undefined);
  const output = new OutputTail();
  guard.stderr?.on("data", (chunk: Buffer) => output.add(chunk));
  const results = collect(guard.stdio[3] as Readable);

  let vitestPid: number | undefined;
  let containment: Containment = { kind: "groups only", mechanism: "groups only: the guard never said which mechanism it had" };
  let stopped: StopReason | undefined;
  const kill = (): void => {
    if (vitestPid !== undefined) void killGroup(vitestPid);
  };
  const observer = setInterval(() => {
    if (vitestPid !== undefined) processes.observe(vitestPid);
  }, 200);

  const ended = new Promise<{ code: number | null; signal: string | null; guardDied?: string }>((resolve) => {
    guardMessages(guard, (message) => {
      if (typeof message.vitest === "number") {
        vitestPid = message.vitest;
        processes.setGuard(guard.pid ?? -1, Array.isArray(message.helpers) ? message.helpers.map(String) : []);
        processes.observe(vitestPid);
        const subreaper = message.subreaper === true && becomeSubreaper().active;
        containment = { kind: subreaper ? "subreaper" : "groups only", mechanism: String(message.mechanism) };
        if (stopped || signal?.aborted) kill();
      }
      if ("exit" in message) {
        resolve({ code: typeof message.exit === "number" ? message.exit : null, signal: typeof message.signal === "string" ? message.signal : null });
      }
    });
    guard.once("error", (err) => resolve({ code: null, signal: null, guardDied: `the grader could not start its guard process: ${err.message}` }));
    guard.once("exit", (code, sig) =>
      resolve({ code: null, signal: null, guardDied: `the grader's guard process ended (${sig ?? `exit code ${code}`}) before vitest did` }),
    );
  });

  const disarm = watchRun(traceDir, wallTimeoutMs, stallTimeoutMs, (reason) => {
    stopped = reason;
    kill();
  });
  signal?.addEventListener("abort", kill);
  if (signal?.aborted) kill();

  const end = await ended;
  disarm();
  clearInterval(observer);
  signal?.removeEventListener("abort", kill);
  const cancelled = signal?.aborted === true;
  // Wait for vitest's whole group to be gone: a killed worker must not be counted as a straggler.
  if ((stopped || cancelled) && vitestPid !== undefined) await killGroup(vitestPid);
  return {
    ...end,
    ...(stopped ? { stopped } : {}),
    cancelled,
    output: output.toString(),
    results,
    guard,
    containment,
  };
}

/**
 * Test processes that died in the middle of a test: a test started there and never ended, and
 * the process is gone without running its exit handlers (its heartbeat file is still there).
 * (vitest ends its workers with a signal too, but between tests.)
 */
function diedInTest(traceDir: string, trace: GradeEvent[]): number[] {
  const open = new Map<number, number>();
  for (const event of trace) {
    if (event.type === "started") open.set(event.pid, (open.get(event.pid) ?? 0) + 1);
    if (event.type === "finished" && event.pid !== undefined) open.set(event.pid, (open.get(event.pid) ?? 0) - 1);
  }
  return readdirSync(traceDir)
    .map((entry) => /^alive-(\d+)$/.exec(entry)?.[1])
    .filter((pid): pid is string => pid !== undefined)
    .map(Number)
    .filter((pid) => (open.get(pid) ?? 0) > 0 && !isRunning(pid));
}

/** Close the guard's lifeline: it kills whatever is left, removes the scratch folder, and exits. */
async function releaseGuard(guard: ChildProcess): Promise<void> {
  if (guard.exitCode !== null || guard.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => guard.once("exit", () => resolve()));
  guard.stdin?.end();
  await exited;
}

export async function runLab(chapter: Chapter, options: RunLabOptions): Promise<LabRun> {
  const began = performance.now();
  const testsDir = options.testsDir ?? testsFolder(chapter);
  const testFiles = filesUnder(testsDir)
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => `${testsDir}/${file}`);
  const lab = labId(chapter);
  const subreaper = becomeSubreaper();
  const finish = (parts: Omit<LabRun, "lab" | "impl" | "durationMs" | "containment"> & { containment?: Containment }): LabRun => ({
    lab,
    impl: options.impl,
    containment: { kind: subreaper.active ? "subreaper" : "groups only", mechanism: subreaper.mechanism },
    ...parts,
    durationMs: Math.round(performance.now() - began),
  });

  if (testFiles.length === 0) {
    return finish({
      outcomes: [],
      compileError: `${testsDir} has no test files (*.test.ts). \`git checkout ${testsDir}\` restores them.`,
      stragglers: [],
    });
  }

  const scratch = mkdtempSync(path.join(os.tmpdir(), "course-grade-"));
  const traceDir = path.join(scratch, "trace");
  const tmp = path.join(scratch, "tmp");
  mkdirSync(traceDir);
  mkdirSync(tmp);
  const runId = randomBytes(8).toString("hex");
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      COURSE_IMPL: options.impl,
      [RUN_ID_VARIABLE]: runId,
      [TESTS_DIR_VARIABLE]: testsDir,
      [TRACE_DIR_VARIABLE]: traceDir,
      // vitest keeps transformed modules in a folder under the temp dir and does not
      // always remove it (never, when the run is killed): keep it inside our scratch.
      TMPDIR: tmp,
    };
    const processes = new RunProcesses(runId, courseRoot);
    const exit = await runVitest({
      testsDir,
      env,
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
    await exit.results.ended(5_000);
    // Read the trace before the guard goes: it removes the scratch folder.
    const trace = readTrace(traceFile(traceDir), courseRoot);
    const diedSuddenly = exit.stopped || exit.cancelled ? [] : diedInTest(traceDir, trace);
    await releaseGuard(exit.guard);
    // Processes of the run that ended by themselves after the guard had gone (vitest, its esbuild)
    // came to this subreaper as orphans: reap them, or they stay zombies until the grader exits.
    // The guard was Node's own child: libuv has reaped it, and it must never be stolen from libuv.
    reapOrphans((pid) => pid === exit.guard.pid);
    const results = parseResults(exit.results.text(), courseRoot);
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
    const ending = explainEnd({ ...exit, results: exit.results.text(), diedSuddenly }, results, trace, summary);
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
    return finish({
      outcomes,
      ...(compileError === undefined ? {} : { compileError }),
      ...(hung === "" ? {} : { hung }),
      stragglers,
      containment: exit.containment,
      ...(exit.cancelled ? { cancelled: true as const } : {}),
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
