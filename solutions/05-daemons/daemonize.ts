// The caller's side: start an entry script as a daemon and come back with its
// pid once it is ready. The entry script calls becomeDaemon() (daemon.ts).
//
//   caller ──spawn(detached)──▶ middle (setsid: leads a new session)
//                                 └──spawn──▶ daemon (in that session, not its leader)
//                               middle exits ──▶ daemon re-parented to pid 1 / a subreaper
//
// The caller keeps one end of a socket pair as the daemon's fd 3 and reads
// "MAINPID=<pid>" (from the middle) and "READY=1" (from the daemon) on it.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { DAEMON_ENV, NOTIFY_FD } from "./daemon";
import { daemonStatus, PidFileExistsError, readProcInfo, writePidFile } from "./pidfile";

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

const DEFAULT_READY_TIMEOUT_MS = 10_000;

/** Start `entry` as a daemon; resolve to its pid once it has called ready(). */
export async function daemonize(entry: string, options: DaemonizeOptions): Promise<number> {
  const settings = checkOptions(entry, options);
  const lockFile = `${settings.pidFile}.lock`;
  takeLock(lockFile, settings.pidFile);
  try {
    // Under the lock nobody else starts this daemon, so the check and the clean-up are safe.
    const status = daemonStatus(settings.pidFile);
    if (status.state === "running") throw new AlreadyRunningError(settings.pidFile, status.pid, false);
    if (status.state === "stale") unlinkQuietly(settings.pidFile);
    return await launch(settings);
  } finally {
    unlinkQuietly(lockFile);
  }
}

interface Settings {
  entry: string;
  pidFile: string;
  logFile: string | undefined;
  cwd: string;
  umask: number;
  args: readonly string[];
  nodeArgs: readonly string[];
  readyTimeoutMs: number;
}

/** Fail early, before anything runs, with a message that says what to fix. */
function checkOptions(entry: string, options: DaemonizeOptions): Settings {
  // The daemon works in "/", so every path it gets must be absolute.
  const absoluteEntry = path.resolve(entry);
  if (!isFile(absoluteEntry)) throw new Error(`the entry script ${absoluteEntry} does not exist (or is not a file)`);
  if (!options.pidFile) throw new Error("daemonize() needs options.pidFile");
  const pidFile = path.resolve(options.pidFile);
  requireDirectory(path.dirname(pidFile), "the pid file's directory");
  const logFile = options.logFile === undefined ? undefined : path.resolve(options.logFile);
  if (logFile) requireDirectory(path.dirname(logFile), "the log file's directory");
  const cwd = path.resolve(options.cwd ?? "/");
  requireDirectory(cwd, "the working directory");
  const umask = options.umask ?? 0o022;
  if (!Number.isInteger(umask) || umask < 0 || umask > 0o777) {
    throw new RangeError(`umask must be an integer from 0 to 0o777, not ${String(options.umask)}`);
  }
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  if (!(readyTimeoutMs > 0)) throw new RangeError(`readyTimeoutMs must be positive, not ${readyTimeoutMs}`);
  return {
    entry: absoluteEntry,
    pidFile,
    logFile,
    cwd,
    umask,
    args: options.args ?? [],
    nodeArgs: options.nodeArgs ?? defaultNodeArgs(absoluteEntry),
    readyTimeoutMs,
  };
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function requireDirectory(dir: string, what: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new Error(`${what}, ${dir}, does not exist (or is not a directory): create it first`);
}

/**
 * A .ts entry needs the tsx loader. We find tsx from the current directory
 * (the course root, in the notebooks and the tests); pass `nodeArgs` otherwise.
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

/**
 * The lock is a second pid file, `<pidFile>.lock`, naming the process that is
 * starting the daemon. It exists only while daemonize() runs, so the real pid
 * file still appears only once the daemon is ready. A lock whose owner died is
 * stale and is taken over. (Two callers taking over the same stale lock at the
 * same instant could both succeed; the daemon's own exclusive pid file is the
 * second line of defence: only one of them can ever become ready.)
 */
function takeLock(lockFile: string, pidFile: string): void {
  const self = readProcInfo(process.pid);
  if (!self) throw new Error("cannot read /proc/<pid>/stat of this process");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writePidFile(lockFile, { pid: process.pid, startTime: self.startTime });
      return;
    } catch (err) {
      if (!(err instanceof PidFileExistsError)) throw err;
    }
    const holder = daemonStatus(lockFile);
    if (holder.state === "running") throw new AlreadyRunningError(pidFile, holder.pid, true);
    unlinkQuietly(lockFile); // stale: its owner died
  }
  throw new Error(`could not take the lock ${lockFile}: it keeps reappearing`);
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/** What came back on the notify channel. */
interface Report {
  mainPid: number | undefined;
  outcome: "ready" | "closed" | "timeout";
}

async function launch(settings: Settings): Promise<number> {
  const middle = spawn(process.execPath, [...settings.nodeArgs, settings.entry, ...settings.args], {
    // setsid() in the child: the middle leads a new session, with no terminal.
    detached: true,
    cwd: settings.cwd,
    // No stdin, no stdout; stderr comes back to us so a crash can be explained; fd 3 is the channel.
    stdio: ["ignore", "ignore", "pipe", "pipe"],
    // The caller's environment (PATH, NODE_OPTIONS...) plus the daemon's settings.
    env: {
      ...process.env,
      [DAEMON_ENV.stage]: "middle",
      [DAEMON_ENV.pidFile]: settings.pidFile,
      ...(settings.logFile ? { [DAEMON_ENV.logFile]: settings.logFile } : {}),
      [DAEMON_ENV.umask]: settings.umask.toString(8).padStart(3, "0"),
    },
  });
  const spawnFailed = new Promise<Error>((resolve) => middle.once("error", resolve));
  const exited = new Promise<void>((resolve) => middle.once("exit", () => resolve()));
  const stderr = collect(middle.stderr);
  const channel = middle.stdio[NOTIFY_FD] as Readable;

  const report = await Promise.race([
    readReport(channel, settings.readyTimeoutMs),
    spawnFailed.then((err): Report => {
      channel.destroy(); // ends readReport() too
      throw new DaemonStartError(`could not start ${process.execPath}: ${err.message}`);
    }),
  ]);
  channel.destroy();

  if (report.outcome === "ready" && report.mainPid !== undefined) {
    const recorded = daemonStatus(settings.pidFile);
    if (recorded.state === "running" && recorded.pid === report.mainPid) {
      await exited; // the middle exits right after reporting; reap it
      middle.stderr?.destroy();
      return report.mainPid;
    }
  }

  // Failure: leave nothing behind. The daemon is in the middle's process group
  // unless it moved; kill the group, then the daemon by pid to be sure.
  killQuietly(-(middle.pid ?? 0));
  if (report.mainPid !== undefined) await killAndWait(report.mainPid);
  await exited;
  const pid = report.mainPid;
  if (pid !== undefined) {
    const recorded = daemonStatus(settings.pidFile);
    if (recorded.state !== "stopped" && recorded.pid === pid) unlinkQuietly(settings.pidFile);
  }
  const message = explainFailure(report, settings, stderr());
  middle.stderr?.destroy();
  throw new DaemonStartError(message);
}

/** Read "KEY=value" lines until READY=1, end of stream, or the timeout. */
function readReport(channel: Readable, timeoutMs: number): Promise<Report> {
  return new Promise((resolve) => {
    const report: Report = { mainPid: undefined, outcome: "closed" };
    let pending = "";
    const finish = (outcome: Report["outcome"]): void => {
      clearTimeout(timer);
      channel.removeAllListeners("data");
      resolve({ ...report, outcome });
    };
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    channel.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const mainPid = /^MAINPID=(\d+)$/.exec(line);
        if (mainPid) report.mainPid = Number(mainPid[1]);
        if (line === "READY=1") return finish("ready");
      }
    });
    channel.once("end", () => finish("closed"));
    channel.once("close", () => finish("closed"));
    channel.once("error", () => finish("closed"));
  });
}

function collect(stream: Readable | null): () => string {
  let text = "";
  stream?.on("data", (chunk: Buffer) => {
    if (text.length < 8192) text += chunk.toString("utf8");
  });
  stream?.on("error", () => undefined);
  return () => text;
}

function explainFailure(report: Report, settings: Settings, stderr: string): string {
  const what =
    report.outcome === "timeout"
      ? `the daemon did not report ready within ${settings.readyTimeoutMs} ms, so it was killed`
      : report.mainPid === undefined
        ? "the middle process exited before it started the daemon (does the entry call becomeDaemon() first thing?)"
        : report.outcome === "ready"
          ? `the daemon said READY but ${settings.pidFile} does not name it (pid ${report.mainPid})`
          : `the daemon (pid ${report.mainPid}) exited before it reported ready`;
  const parts = [`${settings.entry}: ${what}.`];
  if (stderr.trim()) parts.push(`Its stderr:\n${stderr.trim()}`);
  const tail = settings.logFile ? logTail(settings.logFile) : "";
  if (tail) parts.push(`The end of ${settings.logFile}:\n${tail}`);
  else if (!settings.logFile) parts.push("Pass options.logFile to see what the daemon printed.");
  return parts.join("\n");
}

function logTail(logFile: string): string {
  if (!existsSync(logFile)) return "";
  return readFileSync(logFile, "utf8").trim().split("\n").slice(-15).join("\n");
}

function killQuietly(target: number): void {
  if (target === 0) return;
  try {
    process.kill(target, "SIGKILL");
  } catch {
    // already gone
  }
}

/** SIGKILL `pid` and wait until it is gone (or a zombie, which is gone for our purposes). */
async function killAndWait(pid: number): Promise<void> {
  const start = readProcInfo(pid)?.startTime;
  killQuietly(pid);
  for (let i = 0; i < 500; i++) {
    const now = readProcInfo(pid);
    if (!now || now.state === "Z" || now.startTime !== start) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
