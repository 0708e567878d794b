// Run one lab's tests and say what happened to each, whatever the lab code does:
// fail, never resolve, loop forever, fail to compile, or leave processes behind.
//
// vitest runs in a child process, in a process group of its own, so that a
// worker stuck in a synchronous loop can be stopped: the whole group is killed
// when a test process stops showing signs of life, or at the lab's time limit
// (see watchdog.ts). Results come back through an events file (see events.ts),
// which survives the kill. Afterwards every process still marked with this
// run's id is killed and named.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { courseRoot, type Impl } from "../impl";
import { labDir, type Chapter } from "../manifest";
import { readEvents } from "./events";
import { filesUnder, testsFolder } from "./lab-files";
import { buildOutcomes, type TestOutcome } from "./outcomes";
import { killGroup, killStragglers, type Straggler } from "./processes";
import { EVENTS_FILE_VARIABLE, HEARTBEAT_DIR_VARIABLE, RUN_ID_VARIABLE, TESTS_DIR_VARIABLE } from "./run-env";
import { watchRun, type StopReason } from "./watchdog";

export type { TestOutcome } from "./outcomes";
export type { Straggler } from "./processes";

export interface LabRun {
  /** "00-welcome" */
  lab: string;
  impl: Impl;
  outcomes: TestOutcome[];
  /** A test file or module failed to load or transform (a syntax error...): which, and where. */
  compileError?: string;
  /** The run was stopped (a test never gave control back, or the lab's time limit passed): which test was running. */
  hung?: string;
  /** Processes left by the run, already killed. */
  stragglers: Straggler[];
  /** The run was stopped through `signal` (Ctrl-C, or watch moving on); its outcomes are incomplete. */
  cancelled?: true;
  durationMs: number;
}

export interface RunLabOptions {
  impl: Impl;
  /** Stop the whole run after this long (a synchronous infinite loop is immune to vitest's per-test limit). */
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

export const DEFAULT_WALL_TIMEOUT_MS = 120_000;
/** Longer than vitest's 20 s per-test limit: an event loop blocked this long is not a slow test. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

const vitestBin = path.join(path.dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
const graderConfig = "course/grader/vitest.config.ts";

/** What vitest printed (it prints little: the grader's reporter replaces its console output). Keeps the end. */
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

interface VitestExit {
  code: number | null;
  stopped?: StopReason;
  cancelled: boolean;
  output: string;
}

interface VitestRun {
  testsDir: string;
  env: NodeJS.ProcessEnv;
  heartbeatDir: string;
  wallTimeoutMs: number;
  stallTimeoutMs: number;
  signal: AbortSignal | undefined;
  testNamePattern: string | undefined;
}

/** Run vitest over `testsDir`; kill its process group when the watchdog says so or `signal` aborts. */
async function runVitest({ testsDir, env, heartbeatDir, wallTimeoutMs, stallTimeoutMs, signal, testNamePattern }: VitestRun): Promise<VitestExit> {
  const filter = testNamePattern === undefined ? [] : ["--testNamePattern", testNamePattern];
  const child = spawn(process.execPath, [vitestBin, "run", "--config", graderConfig, ...filter, testsDir], {
    cwd: courseRoot,
    env,
    detached: true, // its own process group: one kill stops vitest, its workers and their children
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = new OutputTail();
  child.stdout.on("data", (chunk: Buffer) => output.add(chunk));
  child.stderr.on("data", (chunk: Buffer) => output.add(chunk));

  let stopped: StopReason | undefined;
  const disarm = watchRun(heartbeatDir, wallTimeoutMs, stallTimeoutMs, (reason) => {
    stopped = reason;
    if (child.pid !== undefined) void killGroup(child.pid);
  });
  const cancel = (): void => {
    if (child.pid !== undefined) void killGroup(child.pid);
  };
  signal?.addEventListener("abort", cancel);
  if (signal?.aborted) cancel();

  const code = await new Promise<number | null>((resolve) => {
    child.once("error", () => resolve(null));
    child.once("exit", (exitCode) => resolve(exitCode));
  });
  disarm();
  signal?.removeEventListener("abort", cancel);
  const cancelled = signal?.aborted === true;
  // Wait for vitest's whole group to be gone: a killed worker must not be counted as a straggler.
  if ((stopped || cancelled) && child.pid !== undefined) await killGroup(child.pid);
  // A process that inherited vitest's stdout may hold the pipe open; we have what we need.
  child.stdout.destroy();
  child.stderr.destroy();
  return { code, ...(stopped ? { stopped } : {}), cancelled, output: output.toString() };
}

export async function runLab(chapter: Chapter, options: RunLabOptions): Promise<LabRun> {
  const began = performance.now();
  const testsDir = options.testsDir ?? testsFolder(chapter);
  const testFiles = filesUnder(testsDir)
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => `${testsDir}/${file}`);
  const lab = labDir(chapter);
  const finish = (parts: Omit<LabRun, "lab" | "impl" | "durationMs">): LabRun => ({
    lab,
    impl: options.impl,
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
  const eventsFile = path.join(scratch, "events.jsonl");
  const runId = randomBytes(8).toString("hex");
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      COURSE_IMPL: options.impl,
      [RUN_ID_VARIABLE]: runId,
      [EVENTS_FILE_VARIABLE]: eventsFile,
      [TESTS_DIR_VARIABLE]: testsDir,
      [HEARTBEAT_DIR_VARIABLE]: scratch,
      // vitest keeps transformed modules in a folder under the temp dir and does not
      // always remove it (never, when the run is killed): keep it inside our scratch.
      TMPDIR: scratch,
    };
    const exit = await runVitest({
      testsDir,
      env,
      heartbeatDir: scratch,
      wallTimeoutMs: options.wallTimeoutMs ?? DEFAULT_WALL_TIMEOUT_MS,
      stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
      signal: options.signal,
      testNamePattern: options.testNamePattern,
    });
    const stragglers = await killStragglers(runId);
    const events = readEvents(eventsFile, courseRoot);
    const summary = buildOutcomes({
      events,
      testFiles,
      taskIds: chapter.lab.tasks.map((task) => task.id),
      ...(exit.stopped ? { stopped: exit.stopped } : {}),
      courseRoot,
    });
    // vitest failed before any test file was even looked at: a broken config, a missing dependency.
    const vitestFailed = !exit.stopped && !exit.cancelled && exit.code !== 0 && !events.some((event) => event.type === "collected");
    if (vitestFailed && summary.compileError === undefined) {
      summary.compileError = `vitest could not run ${testsDir} (exit code ${exit.code}):\n${exit.output || "(no output)"}`;
    }
    return finish({ ...summary, stragglers, ...(exit.cancelled ? { cancelled: true as const } : {}) });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
