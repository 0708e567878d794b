// Lab 01, part 1: the kernel's view of threads.
//
// To Linux a thread is a task, a light-weight process (LWP) with its own
// thread id (TID). The threads of one process share a thread group id (TGID),
// which is what getpid() and `process.pid` return. The main thread's TID
// equals the TGID; every other thread has a TID of its own.
//
// Fill in the two TODOs, then run `npm run grade -- 01`.
// Stuck? `npm run hint -- 01` gives a nudge; ask again for more.
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

/**
 * The threads of a process, sorted by TID, from /proc/<pid>/task.
 * Throws NoSuchProcessError when the process does not exist.
 */
export function listThreads(pid: number | "self" = "self"): ThreadInfo[] {
  // TODO: every entry of /proc/<pid>/task is a TID. For each one, read
  // /proc/<pid>/task/<tid>/stat (same layout as /proc/<pid>/stat, see lab 00)
  // and take comm, state, and utime + stime (fields 14 and 15).
  // - A pid that is not a positive whole number: throw a RangeError that says "pid".
  // - No such process: throw NoSuchProcessError.
  // - A thread can exit while you read: skip it, do not fail.
  throw new Error("TODO: listThreads is not written yet");
}

/** The kernel thread id of the thread that calls it. */
export function currentTid(): number {
  // TODO: /proc/thread-self is a symlink that the kernel resolves, for each
  // caller, to "<tgid>/task/<tid>". Read it (on the calling thread!) and
  // return the TID.
  throw new Error("TODO: currentTid is not written yet");
}
