// Orphans come home: a child subreaper (prctl PR_SET_CHILD_SUBREAPER, Linux 3.4 and later).
//
// When a process dies, the kernel gives its children to the nearest living ancestor that is a
// subreaper, instead of to pid 1. The grader and the notebook runner become subreapers, so every
// process a lab or a notebook starts stays their descendant however it detaches (setsid, a double
// fork, a cleaned environment) and is found by walking /proc's parent links.
//
// Node has no prctl(), so libc is called through koffi, an FFI package that ships prebuilt
// binaries. libuv reaps only the children it spawned itself (waitpid on their pids); orphans that
// arrive here are reaped one pid at a time, never with waitpid(-1), which could steal the exit
// status of a child that libuv is waiting for (its "exit" event would then never fire).
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;

interface Libc {
  prctl: (option: number, a2: number, a3: number, a4: number, a5: number) => number;
  waitpid: (pid: number, status: number[], options: number) => number;
}

let libc: Libc | null | undefined;

/** libc through koffi, or null where it cannot be loaded (no koffi build for this platform). */
function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== "linux") return libc;
  try {
    const koffi = createRequire(import.meta.url)("koffi") as typeof import("koffi");
    const lib = koffi.load("libc.so.6");
    libc = {
      prctl: lib.func("int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)") as Libc["prctl"],
      waitpid: lib.func("int waitpid(int pid, _Out_ int *status, int options)") as Libc["waitpid"],
    };
  } catch {
    libc = null;
  }
  return libc;
}

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
    status = { active: false, mechanism: "none: libc could not be loaded through koffi on this platform; only process groups are swept" };
  } else if (c.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) !== 0) {
    status = { active: false, mechanism: "none: prctl(PR_SET_CHILD_SUBREAPER) was refused; only process groups are swept" };
  } else {
    status = { active: true, mechanism: "child subreaper (prctl PR_SET_CHILD_SUBREAPER)" };
  }
  return status;
}

export interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** One letter from /proc/<pid>/stat: R, S, D, T, Z... */
  state: string;
}

/** Every process in /proc, as a snapshot (processes come and go while we read). */
export function processTable(): ProcessEntry[] {
  const table: ProcessEntry[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // comm may hold spaces and ")": the fields we need start after the last ")".
      const [state = "?", ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      table.push({ pid, ppid: Number(ppid), pgid: Number(pgid), state });
    } catch {
      // It exited while we looked.
    }
  }
  return table;
}

/** Every descendant of `root` (children, their children...), zombies included. */
export function descendantsOf(root: number, table: ProcessEntry[] = processTable()): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>();
  for (const entry of table) {
    const siblings = children.get(entry.ppid);
    if (siblings) siblings.push(entry);
    else children.set(entry.ppid, [entry]);
  }
  const found: ProcessEntry[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
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
