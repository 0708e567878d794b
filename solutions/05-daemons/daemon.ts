// The daemon side: what the entry script calls, first thing, to become a daemon.
//
//   import { becomeDaemon } from ".../daemon";
//   const daemon = becomeDaemon();          // the middle process never returns from this
//   daemon.onStop(async () => server.close());
//   ... set up ...
//   daemon.ready();                         // pid file written, daemonize() resolves
//
// Node cannot fork(), so "fork twice" becomes "spawn twice": daemonize() spawns
// this script with detached: true (the child calls setsid(): a new session, and
// it leads it). That first copy runs becomeDaemon() in the *middle* stage: it
// spawns the same script again, without detached, so the second copy is in the
// new session but is not its leader, and it can never acquire a controlling
// terminal. The middle reports the daemon's pid and exits; the daemon is
// re-parented to pid 1 or the nearest subreaper. The stage travels in the
// environment, which is how Go's daemon libraries do it too (Go cannot fork either).
//
// Readiness uses a file descriptor, as s6 does and much like systemd's
// sd_notify(): the daemon writes "READY=1\n" to fd 3 and closes it. daemonize()
// holds the other end: READY means success; end-of-file without READY means the
// daemon died (or gave up) before it was ready.
import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
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
 *
 * Why that test works: everything Node opens itself is close-on-exec, so a
 * descriptor without the flag came in through exec(). (Node marks the low
 * inherited ones close-on-exec at startup; those never reach our children, and
 * daemonize() passes only 0-3.) We must not close Node's own descriptors
 * (its epoll, eventfd and pipes): the runtime would break.
 */
export function closeInheritedDescriptors(keep: readonly number[]): number[] {
  const closed: number[] = [];
  for (const name of readdirSync("/proc/self/fd")) {
    const fd = Number(name);
    if (fd < 3 || keep.includes(fd)) continue;
    let flags: number;
    try {
      const info = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8");
      flags = parseInt(/^flags:\s*([0-7]+)/m.exec(info)?.[1] ?? "0", 8);
    } catch {
      continue; // the directory listing's own fd, already closed again
    }
    if ((flags & O_CLOEXEC) !== 0) continue;
    closeSync(fd);
    closed.push(fd);
  }
  return closed;
}

/**
 * Point stdout and stderr (fds 1 and 2) at a fresh open of `logFile`: after a
 * log rotator renamed the old file, output goes to a new file at the old name.
 *
 * C would call dup2(). Node has none, so we use the rule dup2 was made from:
 * open() returns the lowest free descriptor, so after close(1) the next open
 * gets 1. That holds as long as no other thread opens a file in between, which
 * is true in a signal handler of a daemon whose threads are idle; we check it.
 */
export function reopenLog(logFile: string): void {
  // Open once first: if the path cannot be opened, keep writing to the old log.
  closeSync(openSync(logFile, "a", 0o640));
  for (const fd of [1, 2]) {
    closeSync(fd);
    const reopened = openSync(logFile, "a", 0o640);
    if (reopened !== fd) {
      throw new Error(`reopening the log gave fd ${reopened}, not ${fd}: another thread opened a file at the same moment`);
    }
  }
}

/** Which stage this process is in, from the environment daemonize() set. */
function currentStage(): DaemonStage {
  const stage = process.env[DAEMON_ENV.stage];
  if (stage === "middle" || stage === "daemon") return stage;
  throw new Error(
    `becomeDaemon(): ${DAEMON_ENV.stage} is ${stage === undefined ? "not set" : `"${stage}"`}. ` +
      `Start this script with daemonize() rather than running it directly.`,
  );
}

function parseUmask(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-7]{1,4}$/.test(text)) throw new Error(`${DAEMON_ENV.umask} must be octal digits like "022", not "${text}"`);
  return parseInt(text, 8);
}

/**
 * The middle stage: we lead a new session. Spawn ourselves again as a plain
 * child (same session, not its leader), report its pid and exit, so that it is
 * re-parented and nothing ties it to whoever called daemonize().
 */
function runMiddleStage(): never {
  const self = readProcInfo(process.pid);
  if (self?.session !== process.pid) {
    throw new Error("the middle stage must lead its own session: daemonize() has to spawn it with detached: true");
  }
  const umask = parseUmask(process.env[DAEMON_ENV.umask]);
  if (umask !== undefined) process.umask(umask);
  // Strays must go before the spawn, or the daemon (and the processes it starts) inherit them.
  closeInheritedDescriptors([NOTIFY_FD]);

  const logFile = process.env[DAEMON_ENV.logFile];
  const log = logFile ? openSync(logFile, "a", 0o640) : "ignore";
  const daemon = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    // 0 on /dev/null, 1 and 2 on the log, the notify channel passed on as fd 3. Nothing else.
    stdio: ["ignore", log, log, NOTIFY_FD],
    env: { ...process.env, [DAEMON_ENV.stage]: "daemon" },
    // detached stays false: a second setsid() would make the daemon a session leader again.
  });
  if (daemon.pid === undefined) {
    // spawn() failed (ENOENT, EAGAIN...); the "error" event has the details but we are about to exit.
    process.stderr.write("becomeDaemon(): the middle stage could not spawn the daemon\n");
    process.exit(1);
  }
  writeSync(NOTIFY_FD, `MAINPID=${daemon.pid}\n`);
  process.exit(0);
}

/** The daemon stage: tidy up what we inherited and take over SIGTERM and SIGHUP. */
function runDaemonStage(): Daemon {
  const pidFile = process.env[DAEMON_ENV.pidFile];
  if (!pidFile) throw new Error(`becomeDaemon(): ${DAEMON_ENV.pidFile} is not set; daemonize() sets it`);
  const logFile = process.env[DAEMON_ENV.logFile];
  const umask = parseUmask(process.env[DAEMON_ENV.umask]);
  if (umask !== undefined) process.umask(umask);
  closeInheritedDescriptors([NOTIFY_FD]);
  // Our own children are not daemons-to-be: do not hand them the stage.
  for (const name of Object.values(DAEMON_ENV)) delete process.env[name];

  const stopHandlers: Array<() => void | Promise<void>> = [];
  let isReady = false;
  let stopping = false;

  process.on("SIGTERM", () => {
    if (stopping) return; // a second SIGTERM while we finish: keep finishing
    stopping = true;
    void (async () => {
      let exitCode = 0;
      for (const handler of stopHandlers) {
        try {
          await handler();
        } catch (err) {
          console.error("a stop handler failed:", err);
          exitCode = 1;
        }
      }
      try {
        // Remove the pid file only if it is still ours (not a successor's).
        const mine = readPidFile(pidFile);
        if (mine?.pid === process.pid) removePidFileIf(pidFile, mine);
      } catch (err) {
        console.error(`could not remove the pid file ${pidFile}:`, err);
        exitCode = 1;
      }
      process.exit(exitCode);
    })();
  });

  // Without a handler, SIGHUP would kill us (its default action). With one, it means "reopen the log".
  process.on("SIGHUP", () => {
    if (!logFile) return;
    try {
      reopenLog(logFile);
    } catch (err) {
      console.error("could not reopen the log:", err);
    }
  });

  return {
    ready(): void {
      if (isReady) throw new Error("ready() was called twice");
      const self = readProcInfo(process.pid);
      if (!self) throw new Error("cannot read /proc/self/stat");
      // The pid file first: when daemonize() hears READY, the file is there.
      writePidFile(pidFile, { pid: process.pid, startTime: self.startTime });
      isReady = true;
      try {
        writeSync(NOTIFY_FD, "READY=1\n");
      } catch (err) {
        // EPIPE: the caller gave up waiting. We are running anyway; say so in the log.
        console.error(`could not report readiness: ${(err as Error).message}`);
      }
      closeSync(NOTIFY_FD);
    },
    onStop(handler): void {
      stopHandlers.push(handler);
    },
  };
}

/**
 * Call first thing in a script started by daemonize(). In the middle stage it
 * never returns (it spawns the daemon and exits); in the daemon stage it
 * returns the Daemon handle.
 */
export function becomeDaemon(): Daemon {
  return currentStage() === "middle" ? runMiddleStage() : runDaemonStage();
}
