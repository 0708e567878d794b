// Orphans come home: a child subreaper (prctl PR_SET_CHILD_SUBREAPER, Linux 3.4 and later).
//
// When a process dies, the kernel gives its children to the nearest living ancestor that is a
// subreaper, instead of to pid 1. The grader, its guard and the notebook runner become
// subreapers, so every process a lab or a notebook starts stays their descendant however it
// detaches (setsid, a double fork, a cleaned environment) and is found by walking /proc's parent
// links (see proc.ts).
//
// Node has no prctl(), so libc is called through koffi (see libc.ts). libuv reaps only the
// children it spawned itself (waitpid on their pids); orphans that arrive here are reaped one pid
// at a time, never with waitpid(-1), which could steal the exit status of a child that libuv is
// waiting for (its "exit" event would then never fire).
import { loadLibc } from "./libc";
import { processTable } from "./proc";

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;

export interface SubreaperStatus {
  active: boolean;
  /** Which mechanism runs, or why none does: said in reports so nobody has to guess. */
  mechanism: string;
}

let status: SubreaperStatus | undefined;

/** Make this process a child subreaper (idempotent). Without it, orphans go to pid 1 and only process groups find them. */
export function becomeSubreaper(): SubreaperStatus {
  if (status !== undefined) return status;
  const c = loadLibc();
  if (c === null) {
    status = { active: false, mechanism: "groups only: libc could not be loaded through koffi on this platform, so orphans go to pid 1" };
  } else if (c.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) !== 0) {
    status = { active: false, mechanism: "groups only: prctl(PR_SET_CHILD_SUBREAPER) was refused, so orphans go to pid 1" };
  } else {
    status = { active: true, mechanism: "subreaper: prctl(PR_SET_CHILD_SUBREAPER), every orphan stays a descendant" };
  }
  return status;
}

/**
 * Reap this process's zombie children that nobody else will: orphans re-parented to us. `ownedByNode`
 * names the pids Node itself spawned (libuv reaps those and must see their exit status).
 */
export function reapOrphans(ownedByNode: (pid: number) => boolean): number[] {
  const c = loadLibc();
  if (c === null) return [];
  const reaped: number[] = [];
  for (const entry of processTable()) {
    if (entry.ppid !== process.pid || entry.state !== "Z" || ownedByNode(entry.pid)) continue;
    if (c.waitpid(entry.pid, [0], WNOHANG) === entry.pid) reaped.push(entry.pid);
  }
  return reaped;
}
