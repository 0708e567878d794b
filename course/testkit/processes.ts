// Starting processes from tests, and making sure none outlives its test.
//
// Three nets, because learners' code can be wrong in any way:
//  1. every child started here gets its own process group, killed as a group;
//  2. pids a test learns about (a daemon's) can be tracked and are killed;
//  3. every process started during a test inherits COURSE_TEST_MARK, so even a
//     process nobody told us about (a double-forked daemon) is found in /proc.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { implRoot } from "../foundation/layout";
import { isAlive, pidsWithEnv, signalQuietly, waitUntilGone } from "../foundation/processes";
import { tsNodeArgs } from "../foundation/run-typescript";

// Kept here for lab tests and the machinery's tests, which know them from the test-kit.
export { isAlive, pidsWithEnv, signalQuietly, waitUntil } from "../foundation/processes";
export { tsNodeArgs } from "../foundation/run-typescript";

/** The environment variable that marks processes started by a test. */
export const TEST_MARK_VARIABLE = "COURSE_TEST_MARK";

/** Absolute path of a file of the implementation under test (labs/ or solutions/). */
export function impl(relativePath: string): string {
  return path.join(implRoot(), relativePath);
}

const groups = new Set<number>();
const pids = new Set<number>();

/** Spawn in a new process group that cleanup kills whole. Output is piped unless `stdio` says otherwise. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { stdio: "pipe", ...options, detached: true });
  if (child.pid !== undefined) groups.add(child.pid);
  // A failed spawn (ENOENT) must not crash the test process; the test sees it via "error".
  child.on("error", () => undefined);
  return child;
}

/** Run a TypeScript file in a child Node process (tracked like spawnTracked). */
export function spawnTs(script: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
  return spawnTracked(process.execPath, [...tsNodeArgs, script, ...args], options);
}

/** Kill this pid at cleanup too (for processes the code under test started, such as a daemon). */
export function trackPid(pid: number): void {
  pids.add(pid);
}

/** Start a new marker for the test about to run; children inherit it through the environment. */
export function startTestMark(): string {
  const mark = randomBytes(8).toString("hex");
  process.env[TEST_MARK_VARIABLE] = mark;
  return mark;
}

/**
 * Kill everything the current test started: its process groups, tracked pids,
 * and every process carrying its marker. Returns the pids that were still alive.
 */
export async function killTestProcesses(mark: string | undefined): Promise<number[]> {
  const victims = new Set<number>(pids);
  if (mark) for (const pid of pidsWithEnv(TEST_MARK_VARIABLE, mark)) victims.add(pid);
  for (const pgid of groups) signalQuietly(-pgid);
  const alive = [...victims].filter(isAlive);
  for (const pid of alive) signalQuietly(pid);
  groups.clear();
  pids.clear();
  // SIGKILL cannot be caught, but the kernel needs a moment to tear a process down.
  await waitUntilGone(alive, 5_000);
  return alive;
}
