// Helpers that notebooks import: plumbing that is not the lesson, so that cells stay short.
// None of this is a lab's answer. tslab compiles this file with TypeScript 5.0 into CommonJS:
// no `import.meta`, no top-level `await`, nothing newer than TS 5.0 (npm test checks).
// Import it as "./course/notebook-kit/index": tslab does not resolve a folder to its index.ts.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Is `name` an executable on PATH? Optional tools (python3, strace, faketime) may be missing. */
export { hasCommand } from "../foundation/tools";

/** Are we root? Root bypasses the permission checks some cells want to show. */
export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/**
 * A fresh temporary folder for a notebook's files (FIFOs, sockets, logs). The headless runner
 * gives each run its own scratch folder (COURSE_SCRATCH) and removes it afterwards, so nothing is
 * left behind even when a cell fails before the notebook's clean-up cell.
 */
export function scratchDir(prefix: string): string {
  const parent = process.env.COURSE_SCRATCH ?? os.tmpdir();
  return mkdtempSync(path.join(parent, prefix.endsWith("-") ? prefix : `${prefix}-`));
}

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Why it could not start (ENOENT for a missing command), or null. */
  error: Error | null;
}

/**
 * Run a command to completion and capture its output. A child given `stdio: "inherit"` in a
 * notebook prints into the terminal that started Jupyter, where the learner never looks; this
 * brings stdout and stderr back into the cell's output (`print: true`, the default).
 */
export function run(command: string, args: readonly string[] = [], options: SpawnSyncOptions & { print?: boolean } = {}): RunResult {
  const { print = true, ...spawnOptions } = options;
  const result = spawnSync(command, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000, ...spawnOptions, encoding: "utf8" });
  const out: RunResult = {
    status: result.status,
    signal: result.signal,
    stdout: String(result.stdout ?? ""),
    stderr: String(result.stderr ?? ""),
    error: result.error ?? null,
  };
  if (print) {
    if (out.stdout !== "") process.stdout.write(out.stdout.endsWith("\n") ? out.stdout : `${out.stdout}\n`);
    if (out.stderr !== "") process.stdout.write(`[stderr] ${out.stderr.trimEnd().split("\n").join("\n[stderr] ")}\n`);
    if (out.error) console.log(`[could not run ${command}: ${out.error.message}]`);
  }
  return out;
}

/**
 * Poll `probe` until it returns something other than undefined, null or false, and return it
 * (an empty string or 0 counts as an answer: return false to keep waiting).
 * For state that has no event (a /proc field changing, a file appearing). Fails after
 * `timeoutMs` with a message that says what never happened, never hangs a notebook.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 15_000, intervalMs = 10 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (performance.now() >= deadline) throw new Error(`waited ${timeoutMs} ms for ${what}, and it never happened`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** What the kernel says a task is doing: the State line of /proc/<pid>/status and its wchan. */
export interface TaskState {
  /** One letter: R running, S sleeping, D disk sleep, T stopped, Z zombie. */
  state: string;
  /** The kernel function it sleeps in ("pipe_read", "fifo_open", "do_epoll_wait"), or "" / "0" when running or hidden. */
  wchan: string;
}

/** The state of a process (or of one thread, with `tid`), or null once it is gone. */
export function taskState(pid: number, tid?: number): TaskState | null {
  const base = tid === undefined ? `/proc/${pid}` : `/proc/${pid}/task/${tid}`;
  try {
    const status = readFileSync(`${base}/status`, "utf8");
    const state = /^State:\s+(\S)/m.exec(status)?.[1] ?? "?";
    let wchan = "";
    try {
      wchan = readFileSync(`${base}/wchan`, "utf8").trim();
    } catch {
      // some kernels hide wchan
    }
    return { state, wchan };
  } catch {
    return null;
  }
}

/** Wait until process `pid` sleeps in the kernel (state S or D), e.g. blocked in open() or read(). */
export function waitUntilBlocked(pid: number, what: string, timeoutMs = 15_000): Promise<TaskState> {
  return waitUntil(
    `process ${pid} to block (${what})`,
    () => {
      const s = taskState(pid);
      if (s === null) throw new Error(`process ${pid} exited while we waited for it to block (${what})`);
      return s.state === "S" || s.state === "D" ? s : null;
    },
    { timeoutMs },
  );
}

/** The marker that `tryLab` prints when the learner's module is not written yet. npm test looks for it. */
export const NOT_YET = "[lab not finished yet]";

/**
 * Run the learner's lab code from a notebook. While the module still throws its starter's
 * "TODO" error, print what the finished module would show and how to grade it, instead of an
 * error cell. Any other error is the learner's bug: show it, and say how to get the grader's view.
 */
export async function tryLab<T>(lab: string, body: () => T | Promise<T>, whenFinished: string): Promise<T | undefined> {
  try {
    return await body();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/^TODO\b/.test(message)) {
      console.log(`${NOT_YET} ${message}`);
      console.log(`When your lab is done, this cell shows: ${whenFinished}`);
      console.log(`Write it in labs/${lab}/, then run: npm run grade -- ${lab.slice(0, 2)}`);
    } else {
      console.log(`Your lab module threw: ${message}`);
      console.log(`Run \`npm run grade -- ${lab.slice(0, 2)}\` to see which test catches it.`);
    }
    return undefined;
  }
}

/**
 * The second half of a predict-then-run exercise: print the learner's prediction beside what the
 * cell measured, and whether it held (`held` is computed by the cell: an exact match, a range, a
 * sign). A headless run with the default prediction prints either outcome.
 */
export function checkPrediction(question: string, predicted: unknown, measured: unknown, held: boolean): void {
  const show = (value: unknown): string => (typeof value === "string" ? JSON.stringify(value) : String(value));
  console.log(question);
  console.log(`  you predicted: ${show(predicted)}`);
  console.log(`  measured:      ${show(measured)}`);
  console.log(held ? "  -> your prediction held." : "  -> your prediction did not hold; the text below says why.");
}
