// Lab 00 (warm-up): parse /proc/<pid>/stat.
//
// The file is one line of space-separated fields, numbered in `man 5 proc`.
// Fill in the two TODOs below, then run `npm run grade -- 00`.
// Stuck? `npm run hint -- 00` gives a nudge; ask again for more.
import { readFileSync } from "node:fs";

/** The fields of /proc/<pid>/stat that the course uses (proc(5) numbers in brackets). */
export interface ProcStat {
  /** [1] process id (for a thread: its thread id) */
  pid: number;
  /** [2] command name, without the parentheses; at most 15 bytes */
  comm: string;
  /** [3] R running, S sleeping, D disk sleep, Z zombie, T stopped, t traced, I idle, X dead */
  state: string;
  /** [4] parent process id */
  ppid: number;
  /** [5] process group id */
  pgrp: number;
  /** [6] session id */
  session: number;
  /** [7] controlling terminal (device number); 0 when there is none */
  ttyNr: number;
  /** [8] foreground process group of the terminal; -1 when there is no terminal */
  tpgid: number;
  /** [20] number of threads */
  numThreads: number;
  /** [22] start time after boot, in clock ticks (usually 100 per second) */
  startTime: number;
}

/** Thrown when /proc has no entry for the pid. */
export class NoSuchProcessError extends Error {
  readonly pid: number;
  constructor(pid: number) {
    super(`no process with pid ${pid}: /proc/${pid}/stat does not exist (it exited, or never existed)`);
    this.name = "NoSuchProcessError";
    this.pid = pid;
  }
}

/** Parse the text of a /proc/<pid>/stat file. */
export function parseStat(line: string): ProcStat {
  // TODO: return the fields of ProcStat found in `line`.
  // Bad input (not a stat line) should throw an Error that says what is wrong.
  throw new Error("TODO: parseStat is not written yet");
}

/** Read and parse /proc/<pid>/stat. Throws NoSuchProcessError when there is no such process. */
export function readStat(pid: number | "self"): ProcStat {
  // TODO: read /proc/<pid>/stat and parse it. A pid with no process must throw
  // NoSuchProcessError; an argument that is not a pid must throw a clear error.
  throw new Error("TODO: readStat is not written yet");
}
