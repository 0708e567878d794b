// What a process really has, read from the kernel in /proc/<pid>: the truth
// about a child, whatever its parent meant to give it or did later.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface Inherited {
  pid: number;
  ppid: number;
  /** Where /proc/<pid>/cwd points. */
  cwd: string;
  /** The environment the process was started with (/proc/<pid>/environ). */
  env: Record<string, string>;
  /** Open fd number -> what it points at: a path, "/dev/null", "pipe:[1234]", ... */
  fds: Record<number, string>;
  /** Signal numbers set to SIG_IGN (the SigIgn mask of /proc/<pid>/status), ascending. */
  ignoredSignals: number[];
}

export class NoSuchProcessError extends Error {
  constructor(readonly pid: number) {
    super(`no process ${pid} in /proc: it has exited (or never existed); inspect it while it runs`);
    this.name = "NoSuchProcessError";
  }
}

export function readInherited(pid: number): Inherited {
  const dir = `/proc/${pid}`;
  try {
    const status = readFileSync(`${dir}/status`, "utf8");
    return {
      pid,
      ppid: Number(statusField(status, "PPid")),
      cwd: readlinkSync(`${dir}/cwd`),
      env: parseEnviron(readFileSync(`${dir}/environ`, "utf8")),
      fds: readFds(`${dir}/fd`),
      ignoredSignals: signalsInMask(statusField(status, "SigIgn")),
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new NoSuchProcessError(pid);
    throw err;
  }
}

function statusField(status: string, name: string): string {
  const match = new RegExp(`^${name}:\\s*(\\S+)`, "m").exec(status);
  if (match?.[1] === undefined) throw new Error(`/proc status has no ${name} line`);
  return match[1];
}

/** "A=1\0B=x=y\0" -> { A: "1", B: "x=y" }: split each entry at its FIRST "=". */
function parseEnviron(environ: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of environ.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

function readFds(fdDir: string): Record<number, string> {
  const fds: Record<number, string> = {};
  for (const name of readdirSync(fdDir)) {
    try {
      fds[Number(name)] = readlinkSync(`${fdDir}/${name}`);
    } catch {
      // Closed between readdir and readlink (our own readdir fd, typically).
    }
  }
  return fds;
}

/** Bit n-1 of the hex mask set means signal n is ignored. Read one hex digit (4 signals) at a time. */
function signalsInMask(hexMask: string): number[] {
  const signals: number[] = [];
  const digits = hexMask.split("").reverse();
  digits.forEach((digit, position) => {
    const value = parseInt(digit, 16);
    for (let bit = 0; bit < 4; bit++) {
      if (value & (1 << bit)) signals.push(position * 4 + bit + 1);
    }
  });
  return signals;
}
