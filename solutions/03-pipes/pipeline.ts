// runPipeline: what a shell does for `a | b | c`, with Node's spawn.
//
// Each connection between two stages is a kernel pipe. Its write end is
// given to stage i as stdout and its read end to stage i+1 as stdin: spawn()
// dup2()s them onto fd 1 and fd 0 in the child, between fork and exec. The
// parent then closes its own copies, so the bytes go from child to child
// without ever entering JavaScript, and each end has exactly the owners it
// should have:
//  - when the last writer closes, the reader sees end-of-file;
//  - when the last reader closes, the writer's next write fails with EPIPE
//    and SIGPIPE kills it, like `yes` in `yes | head -1`.
// A spare copy kept open in the parent breaks one of the two: the pipeline
// hangs.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync } from "node:fs";
import { makePipe } from "./pipe";

/** One command of the pipeline: the program, then its arguments, like `["grep", "-c", "x"]`. */
export type Stage = readonly string[];

export interface PipelineOptions {
  /** File descriptor the first stage reads; "ignore" (the default) gives it /dev/null. */
  stdin?: number | "ignore";
  /** File descriptor the last stage writes; "inherit" (the default) is this process's stdout. */
  stdout?: number | "inherit";
  /** Where every stage's stderr goes: a descriptor, or "inherit" (the default). Never into the data. */
  stderr?: number | "inherit";
}

/** How one stage ended. Exactly one of code, signal and error is set. */
export interface StageStatus {
  argv: readonly string[];
  /** The stage's pid, or null when it never started. */
  pid: number | null;
  /** The exit code when the stage exited by itself. */
  code: number | null;
  /** The signal that killed the stage, such as "SIGPIPE". */
  signal: NodeJS.Signals | null;
  /** Why the stage could not start, such as an ENOENT for a missing command. */
  error: NodeJS.ErrnoException | null;
}

/** Thrown before anything is started when the stages make no pipeline. */
export class PipelineUsageError extends Error {
  override name = "PipelineUsageError";
}

/**
 * Run `stages[0] | stages[1] | ...` and resolve, once every stage has ended,
 * with the status of each stage, in order.
 */
export function runPipeline(stages: readonly Stage[], options: PipelineOptions = {}): Promise<StageStatus[]> {
  checkStages(stages);
  const stderr = options.stderr ?? "inherit";
  const statuses: Promise<StageStatus>[] = [];
  // The read end of the pipe from the previous stage (ours to close), if any.
  let upstream: number | null = null;

  stages.forEach((argv, index) => {
    const downstream = index < stages.length - 1 ? makePipe() : null;
    try {
      const child = spawn(argv[0] ?? "", argv.slice(1), {
        stdio: [upstream ?? options.stdin ?? "ignore", downstream?.writeFd ?? options.stdout ?? "inherit", stderr],
      });
      statuses.push(statusOf(child, argv));
    } finally {
      // The child has its own copies now (or never started). Ours must go:
      // a read end kept here would let a writer block forever on a full pipe
      // instead of dying of SIGPIPE; a write end kept here would keep the
      // next stage from ever seeing end-of-file.
      if (upstream !== null) closeSync(upstream);
      if (downstream !== null) closeSync(downstream.writeFd);
    }
    upstream = downstream?.readFd ?? null;
  });
  return Promise.all(statuses);
}

function checkStages(stages: readonly Stage[]): void {
  if (stages.length === 0) {
    throw new PipelineUsageError('a pipeline needs at least one stage, such as [["cat"]]');
  }
  stages.forEach((argv, index) => {
    if (argv.length === 0 || argv[0] === "") {
      throw new PipelineUsageError(`stage ${index} has no command: give the program first, such as ["wc", "-l"]`);
    }
  });
}

/**
 * How a child ends. A command that cannot start (ENOENT) emits "error" and
 * never "exit": waiting for "exit" alone would wait forever.
 */
function statusOf(child: ChildProcess, argv: readonly string[]): Promise<StageStatus> {
  return new Promise((resolve) => {
    child.once("error", (error: NodeJS.ErrnoException) => {
      resolve({ argv, pid: child.pid ?? null, code: null, signal: null, error });
    });
    child.once("exit", (code, signal) => {
      resolve({ argv, pid: child.pid ?? null, code, signal, error: null });
    });
  });
}
