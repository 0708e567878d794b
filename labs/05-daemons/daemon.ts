// Lab 05, part 2: the daemon side, what an entry script calls first thing.
//
//   import { becomeDaemon } from ".../daemon";
//   const daemon = becomeDaemon();          // the middle process never returns from this
//   daemon.onStop(async () => server.close());
//   ... set up ...
//   daemon.ready();                         // pid file written, daemonize() resolves
//
// Node cannot fork(), so "fork twice" becomes "spawn twice". daemonize() spawns
// the entry script with detached: true (setsid: it leads a new session) and
// DAEMON_STAGE=middle. In that middle stage, becomeDaemon() spawns the same
// script again WITHOUT detached, with DAEMON_STAGE=daemon, writes
// "MAINPID=<its pid>\n" to fd 3 and exits. In the daemon stage it returns a
// Daemon handle. The stage travels in the environment.
//
// The protocol on fd 3 (NOTIFY_FD), read by daemonize():
//   "MAINPID=<pid>\n"  from the middle, once it has spawned the daemon;
//   "READY=1\n"        from the daemon, in ready(), AFTER the pid file exists;
//   then the daemon closes fd 3. End of file without READY=1 means failure.
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { spawn } from "node:child_process";
import { readPidFile, readProcInfo, removePidFileIf, writePidFile } from "./pidfile";

/** The descriptor that carries "MAINPID=<pid>" and "READY=1" back to daemonize(). */
export const NOTIFY_FD = 3;

/** How daemonize() configures the two stages (environment variables). */
export const DAEMON_ENV = {
  /** "middle" in the session leader, "daemon" in the daemon itself. */
  stage: "DAEMON_STAGE",
  /** Absolute path of the pid file that ready() creates. */
  pidFile: "DAEMON_PID_FILE",
  /** Absolute path of the log (stdout and stderr); unset: /dev/null. */
  logFile: "DAEMON_LOG_FILE",
  /** The daemon's umask, in octal: "022". */
  umask: "DAEMON_UMASK",
} as const;

export type DaemonStage = "middle" | "daemon";

/** What the entry script gets back from becomeDaemon(). */
export interface Daemon {
  /** Create the pid file, then tell daemonize() we are ready. Call once, when the daemon can do its job. */
  ready(): void;
  /** Run `handler` on SIGTERM, before the pid file is removed and the process exits. */
  onStop(handler: () => void | Promise<void>): void;
}

/** Linux's O_CLOEXEC (octal 02000000 on x86, ARM, RISC-V; /proc/<pid>/fdinfo reports it in `flags`). */
const O_CLOEXEC = 0o2000000;

/**
 * Close every descriptor this process inherited by accident (daemon(7), step 1):
 * any fd >= 3 without close-on-exec, except those in `keep`. Returns the fds closed.
 */
export function closeInheritedDescriptors(keep: readonly number[]): number[] {
  // TODO: list /proc/self/fd. For each fd >= 3 not in `keep`, read the octal
  // `flags:` line of /proc/self/fdinfo/<fd>. Everything Node opens itself has
  // O_CLOEXEC; an fd without it came in through exec(): close it. Never close
  // Node's own descriptors (epoll, eventfd, pipes): the runtime would break.
  throw new Error("TODO: closeInheritedDescriptors is not written yet");
}

/**
 * Point stdout and stderr (fds 1 and 2) at a fresh open of `logFile`: after a
 * log rotator renamed the old file, output goes to a new file at the old name.
 */
export function reopenLog(logFile: string): void {
  // TODO: C would call dup2(); Node has none. But open() always returns the
  // lowest free descriptor: close(1), then open the log, and it lands on 1.
  // Same for 2. Check the fd you got back. Open the path once first, so that a
  // log you cannot open leaves the old one working.
  throw new Error("TODO: reopenLog is not written yet");
}

/**
 * Call first thing in a script started by daemonize(). In the middle stage it
 * never returns (it spawns the daemon and exits); in the daemon stage it
 * returns the Daemon handle.
 */
export function becomeDaemon(): Daemon {
  // TODO: read the stage from process.env[DAEMON_ENV.stage] (anything else: a clear error).
  //
  // middle:
  //   - apply the umask (DAEMON_UMASK, octal) so the daemon inherits it;
  //   - closeInheritedDescriptors([NOTIFY_FD]) before spawning, or the daemon inherits the strays;
  //   - spawn process.execPath with [...process.execArgv, ...process.argv.slice(1)]:
  //     stdio 0 /dev/null ("ignore"), 1 and 2 the log opened for appending (or "ignore"),
  //     3 NOTIFY_FD; the environment with DAEMON_STAGE=daemon; NOT detached (why?);
  //   - write `MAINPID=<pid>\n` to NOTIFY_FD, then process.exit(0).
  //
  // daemon:
  //   - apply the umask, close inherited strays (keep NOTIFY_FD until ready);
  //   - SIGTERM: run the onStop handlers to the end, then remove the pid file
  //     if it still names this process (removePidFileIf), then exit (0, or 1 if a handler threw);
  //   - SIGHUP: reopenLog(logFile) (its default action would kill the daemon);
  //   - return { ready, onStop }. ready(): writePidFile(pid, start time), then
  //     "READY=1\n" on NOTIFY_FD, then close it.
  throw new Error("TODO: becomeDaemon is not written yet");
}
