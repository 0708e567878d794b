// Lab 05, part 4: stopping a daemon the way init scripts and systemd do: ask
// with SIGTERM, wait for it to finish, and only then insist with SIGKILL.
import { daemonStatus, readProcInfo, removePidFileIf, type PidRecord } from "./pidfile";

export interface StopOptions {
  /** How long the daemon may take to finish after SIGTERM before it gets SIGKILL. Default 10 000 ms. */
  timeoutMs?: number;
}

export type StopResult =
  /** It was running and is gone now; `forced` when SIGTERM was not enough. */
  | { state: "stopped"; pid: number; forced: boolean }
  /** Nothing to stop; `stalePidFileRemoved` when a pid file named no live daemon and was removed. */
  | { state: "not-running"; stalePidFileRemoved: boolean };

/** Stop the daemon named by `pidFile`: SIGTERM, wait, SIGKILL if needed, and leave no pid file. */
export async function stopDaemon(pidFile: string, options: StopOptions = {}): Promise<StopResult> {
  // TODO:
  // - daemonStatus(pidFile): stopped -> not-running; stale -> remove the file,
  //   not-running. Never signal a stale pid: it may belong to someone else now.
  // - running: SIGTERM, then wait (poll /proc every few ms, with setTimeout, not a
  //   busy loop) until the process is gone: no /proc entry, a zombie ("Z"), or
  //   another start time. After timeoutMs: SIGKILL and wait again.
  // - remove the pid file if it still names the daemon (one killed by SIGKILL could not).
  throw new Error("TODO: stopDaemon is not written yet");
}
