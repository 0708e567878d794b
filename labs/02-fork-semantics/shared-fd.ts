// Parent and child appending to one log through ONE open file description.
// open() creates a description holding the offset; fork/spawn copy the fd,
// not the description, so every write by either process moves the same offset.
import { SHARED_FD } from "./child-writer";

export interface AppendPlan {
  /** Lines the parent writes before starting the child. */
  before: string[];
  /** The child to run; it finds the log at fd 3 (SHARED_FD) and writes its own lines there. */
  child: { command: string; args: string[] };
  /** Lines the parent writes after the child has exited. */
  after: string[];
}

export class ChildFailedError extends Error {
  constructor(
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderr: string,
  ) {
    super(`the child writer failed (${signal ? `signal ${signal}` : `exit code ${code}`})${stderr ? `: ${stderr.trim()}` : ""}`);
    this.name = "ChildFailedError";
  }
}

/** Create (or truncate) `logPath`, then: parent's `before`, the child's lines, parent's `after`. */
export async function appendTogether(logPath: string, plan: AppendPlan): Promise<void> {
  // TODO: open logPath ONCE with "w" (not "a": the shared offset must do the work),
  //   write plan.before, then spawn plan.child with stdio
  //   ["ignore", "ignore", "pipe", <that same fd>] so the child finds it at SHARED_FD;
  //   collect its stderr; wait for "close"; a non-zero exit or a signal is a
  //   ChildFailedError(code, signal, stderr). Then write plan.after. Close the fd in a finally.
  throw new Error(`TODO: share one fd of ${logPath} with ${plan.child.command} (fd ${SHARED_FD})`);
}
