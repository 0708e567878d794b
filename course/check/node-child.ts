// A Node script run as a child from the course root, its output collected: npm test's steps that
// run in children of their own (lint, format, the lab runs, the machinery tests, the notebooks).
import { spawn } from "node:child_process";
import os from "node:os";
import { courseRoot } from "../foundation/layout";
import { processEntry } from "../foundation/proc";

export interface NodeChildEnd {
  /** Its exit code; null when a signal ended it, or it never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, in the order they came. */
  output: string;
  /**
   * The CPU time it used, in seconds, with that of every descendant it waited for (and theirs;
   * a process left to init is not in it). NaN when it did not exit normally.
   */
  cpuSeconds: number;
}

/** What a step of `npm test` that runs in a child found: its problems, the lines to show, the child's CPU time. */
export interface ChildStepResult {
  problems: string[];
  notes: string[];
  cpuSeconds: number;
}

const CPU_MARKER = "course-child-cpu-seconds: ";

/**
 * Preloaded into the child (`--import`): when it exits, it writes its CPU time (/proc/self/stat's
 * utime, stime, cutime and cstime, in 1/100 s) as its last line of stderr. This process cannot
 * tell its children's times apart itself: while a type check holds its event loop, several may
 * end, and they are waited for together.
 */
const CPU_REPORTER = `data:text/javascript,${encodeURIComponent(`
import { readFileSync, writeSync } from "node:fs";
process.on("exit", () => {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const ticks = stat.slice(stat.lastIndexOf(")") + 2).split(" ").slice(11, 15).reduce((sum, n) => sum + Number(n), 0);
    writeSync(2, "\\n${CPU_MARKER}" + ticks / 100 + "\\n");
  } catch {}
});`)}`;

/** The output without the reporter's lines, and the CPU time the last of them gives (NaN without one). */
function withoutCpuReport(text: string): { text: string; cpuSeconds: number } {
  let cpuSeconds = Number.NaN;
  const kept = text.split("\n").filter((line) => {
    if (!line.startsWith(CPU_MARKER)) return true;
    cpuSeconds = Number(line.slice(CPU_MARKER.length)); // the child's own is the last: it ends after any process it started with this preload
    return false;
  });
  return { text: kept.join("\n"), cpuSeconds };
}

/**
 * The CPU time, in seconds, of this process's children that it has waited for so far (and of
 * theirs), as the kernel counts it; NaN where /proc cannot tell.
 */
export function reapedChildrenCpuSeconds(): number {
  const self = processEntry(process.pid);
  return self === undefined ? Number.NaN : (self.childrenUtimeTicks + self.childrenStimeTicks) / 100;
}

/** How a step's child runs: its environment, added to this process's, and its nice value. */
export interface NodeChildOptions {
  env?: NodeJS.ProcessEnv;
  /** Set at once, before the child has started anything: what it starts inherits it. */
  niceness?: number;
}

/** Run `node <args>` from the course root; resolves when it has ended (never rejects). */
export function runNodeChild(args: string[], { env = {}, niceness }: NodeChildOptions = {}): Promise<NodeChildEnd> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", CPU_REPORTER, ...args], {
      cwd: courseRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (niceness !== undefined && child.pid !== undefined) {
      try {
        os.setPriority(child.pid, niceness);
      } catch {
        // Gone already, or not allowed: it runs at our priority, which only costs time.
      }
    }
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
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}${why}`, output: `${output}\n${why}`, cpuSeconds: Number.NaN });
    });
    child.on("close", (code, signal) => {
      const { text: cleanOutput, cpuSeconds } = withoutCpuReport(output);
      resolve({ code, signal, stdout, stderr: withoutCpuReport(stderr).text, output: cleanOutput, cpuSeconds });
    });
  });
}
