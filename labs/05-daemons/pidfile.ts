// Lab 05, part 1: the pid file.
//
// How the rest of the system finds a daemon, and tells a live daemon from a
// stale file. Format: two lines, the pid and the process's start time:
//     "4242\n98765\n"
// The pid alone is not enough: after the daemon dies the kernel gives its pid
// to some later process, and a file holding only "4242" would make stopDaemon
// kill a stranger. The start time (field 22 of /proc/<pid>/stat, clock ticks
// after boot) never changes for a process, so (pid, start time) names one.
//
// Fill in the three TODOs, then `npm run grade -- 05`. Stuck? `npm run hint -- 05`.
import { readFileSync, unlinkSync } from "node:fs";

/** What a pid file records: one process, named without ambiguity. */
export interface PidRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot when the process started. */
  startTime: number;
}

/** The few /proc/<pid>/stat fields this chapter needs. */
export interface ProcInfo {
  pid: number;
  /** R running, S sleeping, Z zombie (exited, not yet reaped), ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Controlling terminal as a device number; 0 when there is none. */
  ttyNr: number;
  startTime: number;
}

/** Given (you wrote this in lab 00): /proc/<pid>/stat, or undefined when there is no such process. */
export function readProcInfo(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH") return undefined;
    throw err;
  }
  // comm (field 2) may hold spaces and ")": everything after the LAST ")" is safe to split.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const field = (n: number): number => Number(fields[n - 3]);
  return {
    pid,
    state: fields[0] ?? "?",
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    ttyNr: field(7),
    startTime: field(22),
  };
}

/** Thrown by writePidFile when the file already exists (someone else owns it). */
export class PidFileExistsError extends Error {
  readonly pidFile: string;
  constructor(pidFile: string) {
    super(`the pid file ${pidFile} already exists: another daemon owns it, or it is stale (check with daemonStatus)`);
    this.name = "PidFileExistsError";
    this.pidFile = pidFile;
  }
}

/** Thrown by readPidFile when the file exists but does not hold "<pid>\n<start time>\n". */
export class BadPidFileError extends Error {
  readonly pidFile: string;
  constructor(pidFile: string, content: string) {
    super(`${pidFile} is not a pid file: expected "<pid>\\n<start time>\\n", found ${JSON.stringify(content.slice(0, 60))}`);
    this.name = "BadPidFileError";
    this.pidFile = pidFile;
  }
}

/**
 * Create `pidFile` holding `record`, atomically and exclusively:
 * - atomically: a reader sees no file or the whole file, never an empty or half-written one;
 * - exclusively: if the file exists already, throw PidFileExistsError and leave it alone.
 */
export function writePidFile(pidFile: string, record: PidRecord): void {
  // TODO: opening `pidFile` itself and writing into it is neither atomic (a reader
  // can catch it empty) nor, without "wx", exclusive. Write the content somewhere
  // else in the same directory first, then give it its final name with a call
  // that refuses to replace an existing file. Leave no temporary file behind.
  throw new Error("TODO: writePidFile is not written yet");
}

/** The record in `pidFile`; undefined when there is no such file; BadPidFileError when it is not a pid file. */
export function readPidFile(pidFile: string): PidRecord | undefined {
  // TODO: read the file (ENOENT -> undefined). Accept exactly two lines of digits
  // (pid > 0, then the start time; the last newline may be missing); anything
  // else -> throw new BadPidFileError(pidFile, content).
  throw new Error("TODO: readPidFile is not written yet");
}

export type DaemonStatus =
  { state: "running"; pid: number; startTime: number } | { state: "stale"; pid: number | undefined; reason: string } | { state: "stopped" };

/**
 * running: the recorded process exists, is not a zombie, and started when the file says;
 * stale: the file exists but names no live process (dead, zombie, pid reused, unreadable);
 * stopped: there is no pid file.
 */
export function daemonStatus(pidFile: string): DaemonStatus {
  // TODO: readPidFile (a BadPidFileError means stale, with pid undefined), then
  // compare with readProcInfo(pid): no process, another start time, or state "Z"
  // are all stale. Say why in `reason`.
  throw new Error("TODO: daemonStatus is not written yet");
}

/** Given: remove `file` only if it still holds `record`, never a successor's file. Returns true if removed. */
export function removePidFileIf(file: string, record: PidRecord): boolean {
  let current: PidRecord | undefined;
  try {
    current = readPidFile(file);
  } catch (err) {
    if (err instanceof BadPidFileError) return false;
    throw err;
  }
  if (!current || current.pid !== record.pid || current.startTime !== record.startTime) return false;
  try {
    unlinkSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}
