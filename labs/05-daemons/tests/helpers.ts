// Lab 05 tests: what the test files share. Fixtures, workspaces (a folder
// with a pid file and a log per test, cleaned up after it), readers of
// /proc (a process's stat entry comes from the test-kit's processEntry), and
// the steps that start a daemon and check it.
import type { ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { DAEMON_ENV, NOTIFY_FD } from "@impl/05-daemons/daemon";
import { impl, isAlive, pidsWithEnv, processEntry, spawnTs, tempDir, trackPid, waitFor, type ProcessEntry } from "../../../course/testkit";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
export const ENTRY = path.join(fixtures, "entry.ts");
export const CALLER = path.join(fixtures, "caller.ts");
export const SERVICE = path.join(fixtures, "service.ts");
export const WRITE_PIDFILE = path.join(fixtures, "write-pidfile.ts");
export const DAEMON_MODULE = impl("05-daemons/daemon.ts");

/** Starting a daemon runs Node twice (middle, daemon): be generous on a busy machine. */
export const SLOW = { timeoutMs: 30_000 };
export const DAEMON_TEST_MS = 60_000;

// ---------------------------------------------------------------- /proc readers

/** The /proc/<pid>/stat entry of a process that must be there (session, ttyNr, ppid, state, startTicks...). */
export function entryOf(pid: number): ProcessEntry {
  const entry = processEntry(pid);
  if (entry === undefined) throw new Error(`process ${pid} is gone: /proc/${pid}/stat cannot be read`);
  return entry;
}

export function umaskOf(pid: number): string {
  return /^Umask:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "?";
}

/** fd number -> what it points to ("/dev/null", "socket:[123]", ...). */
export function fdTable(pid: number): Map<number, string> {
  const table = new Map<number, string>();
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    try {
      table.set(Number(name), readlinkSync(`/proc/${pid}/fd/${name}`));
    } catch {
      // closed while we looked
    }
  }
  return table;
}

/** Whether fd `fd` of `pid` has close-on-exec (true if it was closed meanwhile). */
function closeOnExec(pid: number, fd: number): boolean {
  try {
    const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"))?.[1] ?? "0";
    return (parseInt(flags, 8) & 0o2000000) !== 0;
  } catch {
    return true;
  }
}

/** What a correct pid file for the live process `pid` says. */
export const pidFileText = (pid: number): string => `${pid}\n${entryOf(pid).startTicks}\n`;

export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function firstLineOf(file: string): number {
  return Number(readFileSync(file, "utf8").split("\n")[0]);
}

// ---------------------------------------------------------------- test scaffolding

export interface Workspace {
  dir: string;
  pidFile: string;
  logFile: string;
  /** Pids that reached the daemon stage (the entry fixture appends them). */
  started(): number[];
  log(): string;
}

const workspaces: Workspace[] = [];

export function workspace(): Workspace {
  const dir = realpathSync(tempDir("daemons-"));
  const ws: Workspace = {
    dir,
    pidFile: path.join(dir, "d.pid"),
    logFile: path.join(dir, "d.log"),
    started: () => {
      const file = path.join(dir, "started");
      if (!existsSync(file)) return [];
      return readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number);
    },
    log: () => (existsSync(ws.logFile) ? readFileSync(ws.logFile, "utf8") : ""),
  };
  workspaces.push(ws);
  return ws;
}

// The test-kit kills every process that carries this test's mark. A daemonize()
// that drops the environment would lose the mark, so also kill every daemon the
// fixture recorded and every process whose command line names this test's folder.
// Every test file runs it: `afterEach(cleanUpWorkspaces)`.
export function cleanUpWorkspaces(): void {
  const dirs = workspaces.splice(0).map((ws) => {
    for (const pid of ws.started()) kill(pid);
    return ws.dir;
  });
  if (dirs.length === 0) return;
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (dirs.some((dir) => cmdline.includes(dir))) kill(pid);
    } catch {
      // gone
    }
  }
}

export function kill(pid: number): void {
  trackPid(pid);
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
}

/** Everything a stream says, as it arrives, and whether it has ended. */
export function watch(stream: Readable): { text: () => string; ended: () => boolean } {
  let text = "";
  let ended = false;
  stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  stream.on("end", () => (ended = true));
  stream.on("close", () => (ended = true));
  stream.on("error", () => (ended = true));
  return { text: () => text, ended: () => ended };
}

/** Settles-or-not flag for a promise, without swallowing its outcome. */
export function track<T>(promise: Promise<T>): { settled: () => boolean } {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { settled: () => settled };
}

/** Processes still carrying this test's mark (every process the test started inherits it). */
export function markedProcesses(): number[] {
  const mark = process.env.COURSE_TEST_MARK;
  return mark ? pidsWithEnv("COURSE_TEST_MARK", mark).filter(isAlive) : [];
}

/**
 * Run the entry fixture straight in the daemon stage, the test playing the
 * middle process: stdin /dev/null, stdout and stderr on the log, our end of fd 3.
 */
export function startDaemonStage(
  ws: Workspace,
  modes: string[],
  { umask, strayFd }: { umask?: string; strayFd?: number } = {},
): { child: ChildProcess; channel: ReturnType<typeof watch> } {
  const log = openSync(ws.logFile, "a");
  const stdio: Array<"ignore" | "pipe" | number> = ["ignore", log, log, "pipe"];
  if (strayFd !== undefined) {
    while (stdio.length < 40) stdio.push("ignore");
    stdio.push(strayFd); // lands on fd 40 of the child, without close-on-exec
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [DAEMON_ENV.stage]: "daemon",
    [DAEMON_ENV.pidFile]: ws.pidFile,
    [DAEMON_ENV.logFile]: ws.logFile,
  };
  if (umask !== undefined) env[DAEMON_ENV.umask] = umask;
  const child = spawnTs(ENTRY, [DAEMON_MODULE, ws.dir, ...modes], { stdio, env });
  closeSync(log);
  const channel = watch(child.stdio[NOTIFY_FD] as Readable);
  return { child, channel };
}

/** Wait for READY=1 on the channel; fail at once, with the log, if the daemon dies or hangs up first. */
export async function waitReady(ws: Workspace, child: ChildProcess, channel: ReturnType<typeof watch>): Promise<void> {
  await waitFor("READY=1 on fd 3", () => channel.text().includes("READY=1\n") || channel.ended() || child.exitCode !== null, SLOW);
  if (!channel.text().includes("READY=1\n")) {
    throw new Error(`the daemon never reported READY=1 on fd ${NOTIFY_FD}; its log says:\n${ws.log()}`);
  }
}

/** Wait until the entry fixture has reached the daemon stage (or whatever we wait on has settled). */
export async function waitStarted(ws: Workspace, gaveUp: () => boolean): Promise<number> {
  await waitFor("the entry script to reach the daemon stage", () => ws.started().length > 0 || gaveUp(), SLOW);
  const [pid] = ws.started();
  if (pid === undefined) throw new Error(`the daemon stage never started; the log says:\n${ws.log()}`);
  return pid;
}

export function entryArgs(ws: Workspace, ...modes: string[]): string[] {
  return [DAEMON_MODULE, ws.dir, ...modes];
}

/** The facts every daemon must show in /proc. */
export async function expectDetachedDaemon(pid: number, ws: Workspace): Promise<ProcessEntry> {
  const caller = entryOf(process.pid);
  const stat = entryOf(pid);
  expect(stat.session, "the daemon leads its own session: a single fork? it could still acquire a terminal").not.toBe(pid);
  expect(stat.session, "the daemon is still in the caller's session: spawn the middle with detached: true").not.toBe(caller.session);
  expect(stat.ttyNr, "the daemon has a controlling terminal").toBe(0);
  // The middle process (the leader of the daemon's session) must exit, and the daemon be re-parented.
  await waitFor("the middle process to exit, so that the daemon is re-parented", () => !isAlive(stat.session) && entryOf(pid).ppid !== stat.session, SLOW);
  expect(entryOf(pid).ppid, "the daemon's parent is still the caller").not.toBe(process.pid);

  // ready() writes READY=1 and then closes fd 3: the caller may look a moment before the close.
  await waitFor(`the daemon to close fd ${NOTIFY_FD}, the readiness channel, once ready`, () => {
    const channel = fdTable(pid).get(NOTIFY_FD) ?? "closed";
    return !/^socket:|^pipe:/.test(channel);
  });
  const fds = fdTable(pid);
  expect(fds.get(0), "fd 0 of the daemon").toBe("/dev/null");
  expect(fds.get(1), "fd 1 of the daemon (stdout) should be the log").toBe(ws.logFile);
  expect(fds.get(2), "fd 2 of the daemon (stderr) should be the log").toBe(ws.logFile);
  for (const [fd, target] of fds) {
    if (fd <= 2) continue;
    expect(target, `fd ${fd} of the daemon is a terminal`).not.toMatch(/^\/dev\/(pts\/|tty)/);
    if (target === "/dev/null" || target === ws.logFile) continue;
    // Everything Node opens itself is close-on-exec: an fd without the flag came in through exec().
    expect(closeOnExec(pid, fd), `fd ${fd} of the daemon points to ${target}: inherited and never closed?`).toBe(true);
  }
  return entryOf(pid);
}
