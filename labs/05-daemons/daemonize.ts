// Lab 05, part 3: the caller's side. Start an entry script as a daemon and come
// back with its pid once it is ready. The entry script calls becomeDaemon() (daemon.ts).
//
//   caller ──spawn(detached)──▶ middle (setsid: leads a new session)
//                                 └──spawn──▶ daemon (in that session, not its leader)
//                               middle exits ──▶ daemon re-parented to pid 1 / a subreaper
//
// The caller keeps the other end of the daemon's fd 3 and reads "MAINPID=<pid>"
// (from the middle) and "READY=1" (from the daemon) on it.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface DaemonizeOptions {
  /** Where the daemon records its pid (created when it is ready). Its directory must exist. */
  pidFile: string;
  /** Where the daemon's stdout and stderr go (appended). Default: /dev/null. */
  logFile?: string;
  /** The daemon's working directory. Default "/", so it never pins a mounted filesystem. */
  cwd?: string;
  /** The daemon's umask. Default 0o022, whatever the caller's umask is. */
  umask?: number;
  /** Arguments for the entry script (it runs in `cwd`: pass absolute paths). */
  args?: readonly string[];
  /** Node's own arguments. Default: the tsx loader for a .ts entry, nothing for .js/.mjs/.cjs. */
  nodeArgs?: readonly string[];
  /** How long the daemon may take to call ready(). Default 10 000 ms. */
  readyTimeoutMs?: number;
}

/** A daemon for this pid file is running already, or another daemonize() is starting one. */
export class AlreadyRunningError extends Error {
  readonly pidFile: string;
  /** The live daemon, or the process that is starting one. */
  readonly pid: number;
  constructor(pidFile: string, pid: number, starting: boolean) {
    super(
      starting
        ? `another daemonize() (pid ${pid}) is starting a daemon for ${pidFile} right now`
        : `a daemon for ${pidFile} is already running (pid ${pid}); stop it first with stopDaemon()`,
    );
    this.name = "AlreadyRunningError";
    this.pidFile = pidFile;
    this.pid = pid;
  }
}

/** The daemon did not become ready: it crashed, gave up, or took too long. Nothing was left running. */
export class DaemonStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DaemonStartError";
  }
}

/** Start `entry` as a daemon; resolve to its pid once it has called ready(). */
export async function daemonize(entry: string, options: DaemonizeOptions): Promise<number> {
  // TODO, in this order:
  // 1. Check the input before anything runs: the entry exists; the directories of
  //    the pid file and of the log, and the cwd, exist. Errors say which path
  //    "does not exist". Make every path absolute: the daemon works in "/".
  // 2. Take the lock `${pidFile}.lock`: a pid file of its own, naming this process
  //    (writePidFile is exclusive). If it exists and its owner is alive, another
  //    daemonize() is starting the daemon: AlreadyRunningError(pidFile, owner, true).
  //    If its owner is dead, remove it and try once more. Remove it in a `finally`.
  // 3. daemonStatus(pidFile): running -> AlreadyRunningError(pidFile, pid, false);
  //    stale -> remove the file.
  // 4. spawn(process.execPath, [...nodeArgs, entry, ...args]) with detached: true,
  //    cwd, stdio ["ignore", "ignore", "pipe", "pipe"] (stderr to explain a crash,
  //    fd 3 for the reports), env: process.env plus the DAEMON_ENV settings with
  //    stage "middle" (keep the caller's environment: PATH, NODE_OPTIONS...).
  // 5. Read lines on stdio[3] until "READY=1", end of file, or readyTimeoutMs.
  //    READY=1 and the pid file names MAINPID: wait for the middle to exit, resolve MAINPID.
  //    Otherwise: kill the middle's process group and MAINPID, wait until they are
  //    gone, remove a pid file that names MAINPID, and throw a DaemonStartError whose
  //    message includes the middle's stderr and the last lines of the log.
  throw new Error("TODO: daemonize is not written yet");
}

/**
 * Given: Node's arguments to run `entry`. A .ts entry needs the tsx loader, found
 * from the current directory (the course root, in the notebooks and the tests).
 */
export function defaultNodeArgs(entry: string): string[] {
  if (/\.(c|m)?js$/.test(entry)) return [];
  let loader: string;
  try {
    loader = createRequire(path.join(process.cwd(), "package.json")).resolve("tsx");
  } catch {
    throw new Error(`cannot find tsx from ${process.cwd()} to run ${entry}: run from the course folder, or pass options.nodeArgs`);
  }
  return ["--import", pathToFileURL(loader).href];
}
