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
import { makePipe } from "./pipe"; // a kernel pipe: { readFd, writeFd }

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
  // TODO: check the stages (throw PipelineUsageError for none, or for an empty
  // one). Then, for each stage: make a pipe with makePipe() unless it is the
  // last stage; spawn the stage with stdio [its input, its output, stderr],
  // where the input is the previous pipe's readFd (options.stdin for the
  // first) and the output is the new pipe's writeFd (options.stdout for the
  // last); then close the descriptors the child now has its own copies of.
  // Resolve with every stage's StageStatus once all have ended; a stage that
  // cannot start emits "error" and never "exit".
  throw new Error("TODO: runPipeline");
}
