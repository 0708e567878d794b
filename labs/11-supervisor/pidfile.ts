// Given (you wrote this in lab 05): an exclusive pid file that survives pid reuse.
//
// Format: two lines, the pid and its start time (field 22 of /proc/<pid>/stat),
// so a pid reused by a stranger is never mistaken for a live supd.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { readStat } from "./proc";

export interface PidRecord {
  pid: number;
  startTime: number;
}

/** Another live process holds the pid file. */
export class AlreadyRunningError extends Error {
  constructor(
    readonly pidFile: string,
    readonly pid: number,
  ) {
    super(`supd is already running as pid ${pid} (pid file ${pidFile}): stop it first, e.g. supctl shutdown`);
    this.name = "AlreadyRunningError";
  }
}

function readRecord(pidFile: string): PidRecord | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const match = /^(\d+)\n(\d+)\n?$/.exec(text);
  return match ? { pid: Number(match[1]), startTime: Number(match[2]) } : { pid: 0, startTime: 0 };
}

function isLive(record: PidRecord): boolean {
  const stat = readStat(record.pid);
  return stat !== undefined && stat.state !== "Z" && stat.startTime === record.startTime;
}

/**
 * Create `pidFile` for this process, atomically (write a private file, then
 * link() it into place: link never replaces) and exclusively. A stale file (its
 * process is dead, or the pid now belongs to someone else) is replaced; a live
 * one throws AlreadyRunningError.
 */
export function claimPidFile(pidFile: string): PidRecord {
  const me = readStat(process.pid);
  if (me === undefined) throw new Error("cannot read /proc/self/stat");
  const record: PidRecord = { pid: process.pid, startTime: me.startTime };
  const temp = path.join(path.dirname(pidFile), `.${path.basename(pidFile)}.${process.pid}`);
  writeFileSync(temp, `${record.pid}\n${record.startTime}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(temp, pidFile);
        return record;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const holder = readRecord(pidFile);
      if (holder !== undefined && isLive(holder)) throw new AlreadyRunningError(pidFile, holder.pid);
      // Stale: its owner is gone. Remove it and try once more (someone faster may win: EEXIST again).
      try {
        unlinkSync(pidFile);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    const holder = readRecord(pidFile);
    throw new AlreadyRunningError(pidFile, holder?.pid ?? 0);
  } finally {
    unlinkSync(temp);
  }
}

/** Remove `pidFile` if it still names `record` (never a successor's). */
export function releasePidFile(pidFile: string, record: PidRecord): void {
  const current = readRecord(pidFile);
  if (current !== undefined && current.pid === record.pid && current.startTime === record.startTime) {
    try {
      unlinkSync(pidFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}
