// Living processes, by pid: is one alive, signal it without caring whether it already exited,
// wait until something holds, kill a whole process group, and find processes by a variable in
// their environment. The process table itself (parent, group, state) is read in proc.ts.
import { readFileSync } from "node:fs";
import { isRunning, processPids, processTable } from "./proc";

/**
 * Alive and not a zombie (a zombie still answers kill(0): it is dead, only not yet reaped).
 * A process we may not signal (EPERM) exists: it counts as alive.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return isRunning(pid);
}

/** Send a signal to a pid (or, negative, a process group) that may already be gone. */
export function signalQuietly(target: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(target, signal);
  } catch {
    // Already gone.
  }
}

/** Poll until `done()` or the deadline; true when done. SIGKILL takes effect quickly, but not instantly. */
export async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** Wait until none of `pids` is alive (zombies count as gone); true when they are all gone in time. */
export function waitUntilGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  return waitUntil(() => !pids.some(isAlive), timeoutMs);
}

/** Live (not zombie) processes whose process group is `pgid`. */
export function livingGroupMembers(pgid: number): number[] {
  return processTable()
    .filter((entry) => entry.pgid === pgid && entry.state !== "Z")
    .map((entry) => entry.pid);
}

/** Kill a whole process group and wait until none of its members is alive. */
export async function killGroup(pgid: number, timeoutMs = 5_000): Promise<void> {
  signalQuietly(-pgid);
  await waitUntil(() => livingGroupMembers(pgid).length === 0, timeoutMs);
}

/** Pids whose initial environment holds `VARIABLE=value` (this process excluded). */
export function pidsWithEnv(variable: string, value: string): number[] {
  const needle = Buffer.from(`${variable}=${value}\0`);
  const found: number[] = [];
  for (const pid of processPids()) {
    if (pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`).includes(needle)) found.push(pid);
    } catch {
      // Gone already, or not ours to read: either way not a straggler of ours.
    }
  }
  return found;
}
