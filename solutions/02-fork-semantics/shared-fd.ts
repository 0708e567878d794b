// Parent and child appending to one log through ONE open file description.
// open() creates a description holding the offset; fork/spawn copy the fd,
// not the description, so every write by either process moves the same offset.
import { spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
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
  // Opened once, with "w" and NOT "a": no O_APPEND to hide a mistake. Only the
  // shared offset keeps parent and child from writing over each other.
  const fd = openSync(logPath, "w");
  try {
    for (const line of plan.before) writeSync(fd, `${line}\n`);
    const stdio: Array<"ignore" | "pipe" | number> = ["ignore", "ignore", "pipe"];
    stdio[SHARED_FD] = fd; // the same description, not a second open()
    const child = spawn(plan.child.command, plan.child.args, { stdio });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // Wait for the child: until it exits, its writes may still land after ours.
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    });
    if (code !== 0) throw new ChildFailedError(code, signal, stderr);
    for (const line of plan.after) writeSync(fd, `${line}\n`);
  } finally {
    closeSync(fd);
  }
}
