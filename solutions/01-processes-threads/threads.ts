// The kernel's view of threads: /proc/<pid>/task and /proc/thread-self.
//
// To Linux a thread is a task, a light-weight process (LWP) with its own
// thread id (TID). The threads of one process share a thread group id (TGID),
// which is what getpid() and `process.pid` return. The main thread's TID
// equals the TGID; every other thread has a TID of its own.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** One thread (task) of a process, as /proc/<pid>/task/<tid>/stat describes it. */
export interface ThreadInfo {
  /** the thread's id; the main thread's equals the process id */
  tid: number;
  /** this thread's command name (each thread has its own; at most 15 bytes) */
  comm: string;
  /** R running, S sleeping, D disk sleep, T stopped, Z zombie, ... */
  state: string;
  /** CPU time this thread has used, user + system, in clock ticks (usually 100 per second) */
  cpuTicks: number;
}

/** Thrown when /proc has no entry for the pid. */
export class NoSuchProcessError extends Error {
  readonly pid: number;
  constructor(pid: number) {
    super(`no process with pid ${pid}: /proc/${pid}/task does not exist (it exited, or never existed)`);
    this.name = "NoSuchProcessError";
    this.pid = pid;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  // ESRCH: the directory entry was there but the task died while we read it.
  return code === "ENOENT" || code === "ESRCH";
}

/** The fields we need from one task's stat line, or undefined when the task is gone. */
function readTask(pid: number | "self", tid: number): ThreadInfo | undefined {
  let line: string;
  try {
    line = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
  } catch (err) {
    // A thread may exit between readdir and this read: it is simply not there any more.
    if (isMissing(err)) return undefined;
    throw err;
  }
  // comm sits in parentheses and may contain anything, so cut at the last ")".
  const open = line.indexOf("(");
  const close = line.lastIndexOf(")");
  const rest = line.slice(close + 2).split(" ");
  // After comm, field 3 (state) is index 0; utime (14) is 11 and stime (15) is 12.
  const state = rest[0] ?? "?";
  const cpuTicks = Number(rest[11]) + Number(rest[12]);
  return { tid, comm: line.slice(open + 1, close), state, cpuTicks };
}

/**
 * The threads of a process, sorted by TID, from /proc/<pid>/task.
 * Throws NoSuchProcessError when the process does not exist.
 */
export function listThreads(pid: number | "self" = "self"): ThreadInfo[] {
  if (pid !== "self" && (!Number.isSafeInteger(pid) || pid <= 0)) {
    throw new RangeError(`a pid is a positive whole number, not ${String(pid)}`);
  }
  let entries: string[];
  try {
    entries = readdirSync(`/proc/${pid}/task`);
  } catch (err) {
    if (isMissing(err) && pid !== "self") throw new NoSuchProcessError(pid);
    throw err;
  }
  const threads: ThreadInfo[] = [];
  for (const entry of entries) {
    const info = readTask(pid, Number(entry));
    if (info) threads.push(info);
  }
  return threads.sort((a, b) => a.tid - b.tid);
}

/**
 * The kernel thread id of the thread that calls it.
 *
 * /proc/thread-self is a symlink the kernel resolves per caller to
 * "<tgid>/task/<tid>". It must be read synchronously: `fs.promises.readlink`
 * runs on a libuv threadpool thread, and would report that thread's TID.
 */
export function currentTid(): number {
  let target: string;
  try {
    target = readlinkSync("/proc/thread-self");
  } catch (err) {
    throw new Error(`cannot read /proc/thread-self (${(err as Error).message}): this needs Linux 3.17 or later with /proc mounted`, { cause: err });
  }
  const match = /^(\d+)\/task\/(\d+)$/.exec(target);
  if (!match) throw new Error(`unexpected /proc/thread-self target "${target}"; expected "<tgid>/task/<tid>"`);
  return Number(match[2]);
}
