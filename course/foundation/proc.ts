// The process table as /proc shows it: who is whose child, in which group, since when.
import { readdirSync, readFileSync } from "node:fs";

export interface ProcessEntry {
  pid: number;
  /** The name the kernel keeps (15 bytes at most), between the parentheses. */
  comm: string;
  ppid: number;
  pgid: number;
  /** The session id: the pid of the session's leader. */
  session: number;
  /** The controlling terminal's device number; 0 when the process has none. */
  ttyNr: number;
  /** CPU time spent in user and in kernel mode, in clock ticks (1/100 s). */
  utimeTicks: number;
  stimeTicks: number;
  /** CPU time of the children it has waited for (and of theirs, that they waited for), user and kernel mode, in clock ticks. */
  childrenUtimeTicks: number;
  childrenStimeTicks: number;
  /** How many threads (tasks) the process has. */
  threads: number;
  /** One letter from /proc/<pid>/stat: R, S, D, T, Z... */
  state: string;
  /** Field 22, starttime: when it started, in clock ticks (1/100 s) since boot. With the pid, it names one process for good. */
  startTicks: number;
}

/**
 * The fields of one /proc/<pid>/stat (or /proc/<pid>/task/<tid>/stat) line that the course needs;
 * undefined when it is not one. See proc(5) for the numbering.
 */
export function parseStatLine(pid: number, stat: string): ProcessEntry | undefined {
  // comm may hold spaces and ")": the numbered fields start after the last ")".
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const rest = stat.slice(close + 2).split(" ");
  const field = (index: number): number => Number(rest[index]);
  return {
    pid,
    comm: stat.slice(open + 1, close),
    state: rest[0] ?? "?",
    ppid: field(1),
    pgid: field(2),
    session: field(3),
    ttyNr: field(4),
    utimeTicks: field(11),
    stimeTicks: field(12),
    childrenUtimeTicks: field(13),
    childrenStimeTicks: field(14),
    threads: field(17),
    startTicks: field(19),
  };
}

/** One process's entry, or undefined when it is gone. */
export function processEntry(pid: number): ProcessEntry | undefined {
  return readStat(pid, `/proc/${pid}/stat`);
}

/** One thread's entry (pid is the thread id), or undefined when it is gone. */
export function threadEntry(pid: number, tid: number): ProcessEntry | undefined {
  return readStat(tid, `/proc/${pid}/task/${tid}/stat`);
}

function readStat(id: number, file: string): ProcessEntry | undefined {
  try {
    return parseStatLine(id, readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** The pids in /proc now: the one loop over /proc that everything else builds on. */
export function processPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (Number.isInteger(pid)) pids.push(pid);
  }
  return pids;
}

/** Every process in /proc, as a snapshot (processes come and go while we read). */
export function processTable(): ProcessEntry[] {
  const table: ProcessEntry[] = [];
  for (const pid of processPids()) {
    const entry = processEntry(pid);
    if (entry) table.push(entry);
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

/** "pid@startTicks": a process's identity that a reused pid cannot take over. */
export function identity(entry: Pick<ProcessEntry, "pid" | "startTicks">): string {
  return `${entry.pid}@${entry.startTicks}`;
}

/** Now, in the clock of `startTicks` (1/100 s since boot, from /proc/uptime). */
export function bootTicksNow(): number {
  try {
    return Math.round(Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 100);
  } catch {
    return Number.NaN;
  }
}

const MAX_COMMAND_LENGTH = 160;

/** The command line of a process, as `ps` would show it, cut at `limit` characters ("" when it is gone or a zombie). */
export function commandOf(pid: number, limit = MAX_COMMAND_LENGTH): string {
  try {
    const words = readFileSync(`/proc/${pid}/cmdline`, "utf8")
      .split("\0")
      .filter((word) => word !== "");
    const command = words.join(" ").replace(/\s+/g, " ");
    return command.length > limit ? `${command.slice(0, limit)}…` : command;
  } catch {
    return "";
  }
}

/** Alive and not a zombie (a zombie still answers kill(0): it is dead, only not yet reaped). */
export function isRunning(pid: number): boolean {
  const entry = processEntry(pid);
  return entry !== undefined && entry.state !== "Z" && entry.state !== "X";
}

/**
 * The direct children of `pid`, from /proc's per-thread children lists (a child belongs to the
 * thread that forked it: Node's loader and worker threads start processes too), or from a full
 * scan where the kernel keeps no such lists.
 */
export function childrenOf(pid: number): ProcessEntry[] {
  const pids = new Set<number>();
  try {
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${thread}/children`, "utf8").split(" ")) {
        if (child.trim() !== "") pids.add(Number(child));
      }
    }
  } catch {
    return processTable().filter((entry) => entry.ppid === pid);
  }
  return [...pids].map(processEntry).filter((entry): entry is ProcessEntry => entry !== undefined && entry.ppid === pid);
}
