// Run one of the course's commands (course/cli/<name>.ts, with the course's loader as `npm run` does) the way a
// machinery test needs it: asynchronously, in a process group of its own, killed whole if the
// test file ends while it still runs.
//
// Never spawnSync: a test process blocked in it for a minute (a grade on a busy machine) cannot
// answer vitest's own messages, and vitest fails the whole run with 'Timeout calling
// "onTaskUpdate"'; nor can its test timeout fire, so a command that hangs would hang the run.
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll } from "vitest";
import { tsNodeArgsOf } from "../../foundation/run-typescript";
import { signalQuietly } from "../../foundation/processes";

/** Commands still running, each the leader of its own process group. */
const running = new Set<number>();
afterAll(() => {
  for (const pid of running) signalQuietly(-pid, "SIGKILL");
  running.clear();
});

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout, then stderr. */
  out: string;
}

export interface CommandOptions {
  /** The command's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Where it runs (default: the course root it belongs to). */
  cwd?: string;
}

/** Run `course/cli/<cli>` of the course at `root` (its own copy of the script, so its own root), with no stdin. */
export function runCourseCommand(root: string, cli: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...tsNodeArgsOf(root), path.join(root, "course", "cli", cli), ...args], {
      cwd: options.cwd ?? root,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (pid !== undefined) running.delete(pid);
      resolve({ code, signal, stdout, stderr, out: stdout + stderr });
    });
  });
}

/** One command line for a shell (`script -c` takes one): every word single-quoted, so paths may hold spaces. */
export function shellCommand(words: readonly string[]): string {
  return words.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(" ");
}
