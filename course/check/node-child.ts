// A Node script run as a child from the course root, its output collected: npm test's steps that
// run in children of their own (lint, format, the lab runs, the machinery tests, the notebooks).
import { spawn } from "node:child_process";
import { courseRoot } from "../foundation/layout";

export interface NodeChildEnd {
  /** Its exit code; null when a signal ended it, or it never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, in the order they came. */
  output: string;
}

/** Run `node <args>` from the course root with `env` added; resolves when it has ended (never rejects). */
export function runNodeChild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<NodeChildEnd> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: courseRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      output += chunk.toString();
    });
    child.on("error", (err) => {
      const why = `could not start ${args.join(" ")}: ${err.message}`;
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}${why}`, output: `${output}\n${why}` });
    });
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, output }));
  });
}
