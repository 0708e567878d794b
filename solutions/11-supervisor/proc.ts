// Given: the few facts about processes that supd reads from /proc.
import { readdirSync, readFileSync } from "node:fs";

export interface ProcStat {
  pid: number;
  /** R running, S sleeping, T stopped, Z zombie (dead, not yet reaped)... */
  state: string;
  ppid: number;
  pgrp: number;
  /** Field 22: clock ticks after boot when the process started; with the pid it names one process. */
  startTime: number;
}

/** /proc/<pid>/stat, or undefined when there is no such process. */
export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // comm (field 2) may hold spaces and ")": split what follows the LAST ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const field = (n: number): number => Number(fields[n - 3]);
  return { pid, state: fields[0] ?? "?", ppid: field(4), pgrp: field(5), startTime: field(22) };
}

/**
 * Live members of process group `pgid` (zombies excluded: they are dead and
 * only wait for their parent, or pid 1, to reap them).
 */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat !== undefined && stat.pgrp === pgid && stat.state !== "Z") members.push(pid);
  }
  return members;
}

/** Send `signal` to every process of group `pgid`; false when the group is empty already. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
}
