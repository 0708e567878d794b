// What a process really has, read from the kernel in /proc/<pid>: the truth
// about a child, whatever its parent meant to give it or did later.

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
  // TODO: read it all from /proc/<pid>, never from this process's own state:
  //   ppid and ignoredSignals from the PPid: and SigIgn: lines of `status`
  //     (SigIgn is hex; bit n-1 set means signal n is ignored),
  //   cwd with readlinkSync(`.../cwd`),
  //   env from `environ` ("NAME=value" entries separated by "\0"; a value may contain "="),
  //   fds: readdirSync(`.../fd`), readlinkSync each entry.
  // A missing /proc/<pid> (ENOENT) must become a NoSuchProcessError(pid).
  throw new Error(`TODO: read what process ${pid} inherited from /proc/${pid}`);
}
