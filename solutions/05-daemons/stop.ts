// Stopping a daemon the way init scripts and systemd do: ask with SIGTERM,
// wait for it to finish, and only then insist with SIGKILL.
import { unlinkSync } from "node:fs";
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

const DEFAULT_TIMEOUT_MS = 10_000;
/** After SIGKILL the kernel needs a moment to tear the process down; it cannot refuse. */
const AFTER_KILL_MS = 5_000;
const POLL_MS = 20;

/** Stop the daemon named by `pidFile`: SIGTERM, wait, SIGKILL if needed, and leave no pid file. */
export async function stopDaemon(pidFile: string, options: StopOptions = {}): Promise<StopResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs >= 0)) throw new RangeError(`timeoutMs must be zero or more, not ${timeoutMs}`);

  const status = daemonStatus(pidFile);
  if (status.state === "stopped") return { state: "not-running", stalePidFileRemoved: false };
  if (status.state === "stale") {
    // Whatever has that pid now is not our daemon: never signal it.
    return { state: "not-running", stalePidFileRemoved: removeStale(pidFile, status.pid) };
  }

  const record: PidRecord = { pid: status.pid, startTime: status.startTime };
  signal(record.pid, "SIGTERM");
  let forced = false;
  if (!(await waitUntilGone(record, timeoutMs))) {
    forced = true;
    signal(record.pid, "SIGKILL");
    if (!(await waitUntilGone(record, AFTER_KILL_MS))) {
      throw new Error(`pid ${record.pid} is still alive ${AFTER_KILL_MS} ms after SIGKILL (stuck in the kernel, state D?)`);
    }
  }
  // A graceful daemon removed its pid file already; one killed by SIGKILL could not.
  removePidFileIf(pidFile, record);
  return { state: "stopped", pid: record.pid, forced };
}

function removeStale(pidFile: string, pid: number | undefined): boolean {
  // An unreadable file has no pid to compare: remove it only if it is still unreadable.
  const now = daemonStatus(pidFile);
  if (now.state !== "stale" || now.pid !== pid) return false;
  try {
    unlinkSync(pidFile);
  } catch {
    return false;
  }
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return; // it exited on its own just now
    if (code === "EPERM") throw new Error(`not allowed to signal pid ${pid} (it belongs to another user?)`, { cause: err });
    throw err;
  }
}

/** True once the process is gone: no such pid, a zombie, or the pid now belongs to another process. */
function isGone(record: PidRecord): boolean {
  const now = readProcInfo(record.pid);
  return !now || now.state === "Z" || now.startTime !== record.startTime;
}

async function waitUntilGone(record: PidRecord, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (isGone(record)) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
