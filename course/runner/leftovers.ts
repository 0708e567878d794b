// Processes a notebook left running, found however they detached, named, then killed.
//
// The runner is a child subreaper (course/foundation/subreaper.ts): a process that a cell started
// and that detached itself (setsid, a double fork, a cleaned environment) is re-parented to the
// runner when its parent exits, instead of to init, so it stays a descendant. After every cell we
// note which new descendants appeared (so a leftover can be blamed on the cell that started it);
// after the notebook, whatever is still running is reported and killed.
import { readFileSync } from "node:fs";
import { descendantsOf } from "../foundation/proc";
import { becomeSubreaper, reapOrphans, type SubreaperStatus } from "../foundation/subreaper";
import { isAlive, signalQuietly, waitUntil } from "../foundation/processes";

export interface Leftover {
  pid: number;
  /** Its command line, as ps shows it. */
  command: string;
  /** 1-based position of the cell after which it was first seen (undefined: seen only at the end). */
  cell: number | undefined;
}

function commandLine(pid: number): string {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const args = raw.split("\0").filter((arg) => arg !== "");
    if (args.length > 0) return args.join(" ");
    return `[${readFileSync(`/proc/${pid}/comm`, "utf8").trim()}]`;
  } catch {
    return "(exited)";
  }
}

/** Watches the runner's descendants during one notebook run. One notebook at a time per process. */
export class LeftoverWatch {
  readonly subreaper: SubreaperStatus;
  /** Descendants that existed before the notebook started (a loader's helper, say): never ours to kill. */
  private readonly before: Set<number>;
  private readonly bornIn = new Map<number, number>();

  constructor() {
    this.subreaper = becomeSubreaper();
    this.before = new Set(descendantsOf(process.pid).map((p) => p.pid));
  }

  /** Living processes started since the watch began, except `exclude` (the kernel itself). */
  private current(exclude: ReadonlySet<number>): number[] {
    return descendantsOf(process.pid)
      .filter((p) => p.state !== "Z" && !this.before.has(p.pid) && !exclude.has(p.pid))
      .map((p) => p.pid);
  }

  /** Call after each cell: remembers which cell each new process appeared after. */
  afterCell(cell: number, kernelPid: number): void {
    for (const pid of this.current(new Set([kernelPid]))) if (!this.bornIn.has(pid)) this.bornIn.set(pid, cell);
  }

  /**
   * After the last cell (kernel still running): every process besides the kernel that is still
   * alive. A process a cell has just signalled gets `graceMs` to finish exiting.
   */
  async stillRunning(kernelPid: number, graceMs = 3_000): Promise<Leftover[]> {
    const exclude = new Set([kernelPid]);
    await waitUntil(() => this.current(exclude).length === 0, graceMs);
    return this.current(exclude).map((pid) => ({ pid, command: commandLine(pid), cell: this.bornIn.get(pid) }));
  }

  /** After the kernel is gone: kill everything still here (by pid), and reap the orphans that came to us. */
  async killAll(known: readonly Leftover[], nodeOwns: (pid: number) => boolean): Promise<void> {
    const victims = new Set([...known.map((l) => l.pid), ...this.current(new Set())]);
    for (const pid of victims) signalQuietly(pid, "SIGKILL");
    await waitUntil(() => {
      reapOrphans((pid) => this.before.has(pid) || nodeOwns(pid));
      return [...victims].every((pid) => !isAlive(pid)) && this.current(new Set()).length === 0;
    }, 5_000);
    reapOrphans((pid) => this.before.has(pid) || nodeOwns(pid));
  }
}
