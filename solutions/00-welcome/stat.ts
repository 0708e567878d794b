// Parse /proc/<pid>/stat: one line, space-separated fields, described in proc(5).
//
// The trap is field 2, comm: the command name in parentheses. A process may
// name itself anything up to 15 bytes, spaces and ")" included, so splitting
// the whole line on spaces goes wrong. The last ")" always ends comm, because
// every field after it is a number or a single letter.
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

/** Fields after comm, counted from field 3 (state) = index 0. */
const AFTER_COMM = { state: 0, ppid: 1, pgrp: 2, session: 3, ttyNr: 4, tpgid: 5, numThreads: 17, startTime: 19 };

function integerField(fields: string[], index: number, name: string, line: string): number {
  const text = fields[index];
  if (text === undefined || !/^-?\d+$/.test(text)) {
    throw new Error(`not a /proc/<pid>/stat line: field ${name} is "${text ?? "missing"}" in: ${line.slice(0, 120)}`);
  }
  return Number(text);
}

/** Parse the text of a /proc/<pid>/stat file. */
export function parseStat(line: string): ProcStat {
  const open = line.indexOf("(");
  const close = line.lastIndexOf(")");
  if (open < 0 || close < open) {
    throw new Error(`not a /proc/<pid>/stat line (no "(comm)"): ${line.slice(0, 120)}`);
  }
  const pidText = line.slice(0, open).trim();
  if (!/^\d+$/.test(pidText)) {
    throw new Error(`not a /proc/<pid>/stat line (no pid before "("): ${line.slice(0, 120)}`);
  }
  const rest = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const state = rest[AFTER_COMM.state];
  if (state === undefined || !/^[A-Za-z]$/.test(state)) {
    throw new Error(`not a /proc/<pid>/stat line: state is "${state ?? "missing"}" in: ${line.slice(0, 120)}`);
  }
  return {
    pid: Number(pidText),
    comm: line.slice(open + 1, close),
    state,
    ppid: integerField(rest, AFTER_COMM.ppid, "ppid", line),
    pgrp: integerField(rest, AFTER_COMM.pgrp, "pgrp", line),
    session: integerField(rest, AFTER_COMM.session, "session", line),
    ttyNr: integerField(rest, AFTER_COMM.ttyNr, "tty_nr", line),
    tpgid: integerField(rest, AFTER_COMM.tpgid, "tpgid", line),
    numThreads: integerField(rest, AFTER_COMM.numThreads, "num_threads", line),
    startTime: integerField(rest, AFTER_COMM.startTime, "starttime", line),
  };
}

/** Read and parse /proc/<pid>/stat. Throws NoSuchProcessError when there is no such process. */
export function readStat(pid: number | "self"): ProcStat {
  if (pid !== "self" && (!Number.isInteger(pid) || pid <= 0)) {
    throw new RangeError(`a pid is a positive integer, not ${String(pid)}`);
  }
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && pid !== "self") throw new NoSuchProcessError(pid);
    throw err;
  }
  return parseStat(text);
}
