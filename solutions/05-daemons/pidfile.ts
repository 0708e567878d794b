// The pid file: how the rest of the system finds a daemon, and how it tells a
// live daemon from a stale file.
//
// Format: two lines, the pid and the process's start time, e.g. "4242\n98765\n".
// The pid alone is not enough: after the daemon dies the kernel hands its pid
// to some later process, and a pid file that only holds "4242" would make
// `stopDaemon` kill a stranger. The start time (field 22 of /proc/<pid>/stat,
// in clock ticks since boot) never changes for a process and differs for the
// next process that gets the same pid, so (pid, start time) names one process.
// Shell users read the pid with `head -n1`: `kill "$(head -n1 app.pid)"`.
import { closeSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";

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
  // Write the content under a private name in the same directory (same filesystem),
  // then publish it with link(): link() refuses to replace an existing name (EEXIST),
  // which is the O_EXCL we want, and the name appears with its content already
  // complete. rename() would be atomic too, but it silently replaces a rival's file.
  const scratch = path.join(path.dirname(pidFile), `.${path.basename(pidFile)}.${process.pid}.tmp`);
  // Unique among live processes; a leftover from a dead process with our pid is overwritten.
  const fd = openSync(scratch, "w", 0o644);
  try {
    try {
      writeSync(fd, `${record.pid}\n${record.startTime}\n`);
    } finally {
      closeSync(fd);
    }
    linkSync(scratch, pidFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new PidFileExistsError(pidFile);
    throw err;
  } finally {
    unlinkSync(scratch);
  }
}

/** The record in `pidFile`; undefined when there is no such file; BadPidFileError when it is not a pid file. */
export function readPidFile(pidFile: string): PidRecord | undefined {
  let content: string;
  try {
    content = readFileSync(pidFile, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const match = /^(\d+)\n(\d+)\n?$/.exec(content);
  if (!match) throw new BadPidFileError(pidFile, content);
  const pid = Number(match[1]);
  if (pid <= 0) throw new BadPidFileError(pidFile, content);
  return { pid, startTime: Number(match[2]) };
}

export type DaemonStatus =
  { state: "running"; pid: number; startTime: number } | { state: "stale"; pid: number | undefined; reason: string } | { state: "stopped" };

/**
 * running: the recorded process exists, is not a zombie, and started when the file says;
 * stale: the file exists but names no live process (dead, zombie, pid reused, unreadable);
 * stopped: there is no pid file.
 */
export function daemonStatus(pidFile: string): DaemonStatus {
  let record: PidRecord | undefined;
  try {
    record = readPidFile(pidFile);
  } catch (err) {
    if (err instanceof BadPidFileError) return { state: "stale", pid: undefined, reason: err.message };
    throw err;
  }
  if (!record) return { state: "stopped" };
  const { pid, startTime } = record;
  const proc = readProcInfo(pid);
  if (!proc) return { state: "stale", pid, reason: `no process has pid ${pid}` };
  if (proc.startTime !== startTime) {
    return { state: "stale", pid, reason: `pid ${pid} now belongs to another process (started at ${proc.startTime}, not ${startTime})` };
  }
  if (proc.state === "Z") return { state: "stale", pid, reason: `process ${pid} has exited (a zombie not yet reaped)` };
  return { state: "running", pid, startTime };
}

/** Remove `file` only if it still holds `record`: never delete a successor's file. Returns true if removed. */
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
