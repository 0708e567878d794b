// One whole command, timed: started in its own process group (so that a stop kills all of it),
// its output kept, stopped at a limit. For benchmarks that time a command as a learner or a
// maintainer runs it (a lab's tests, `npm test`).
import { spawn } from "node:child_process";

export interface TimedRun {
  /** The command's exit code; null when it was stopped at the limit (or by a signal). */
  code: number | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
  ms: number;
}

export function timedRun(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, limitMs: number): Promise<TimedRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const limit = setTimeout(() => {
      try {
        process.kill(-(child.pid ?? 0), "SIGKILL");
      } catch {
        // Already gone.
      }
    }, limitMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(limit);
      resolve({ code, output, ms: performance.now() - started });
    });
  });
}
