// Lab 05 tests: pid files, the daemon side, daemonize() and stopDaemon().
// Every fact about a daemon is read from the kernel, in /proc.
import type { ChildProcess } from "node:child_process";
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  watch as watchFolder,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { DAEMON_ENV, NOTIFY_FD } from "@impl/05-daemons/daemon";
import { AlreadyRunningError, daemonize, DaemonStartError } from "@impl/05-daemons/daemonize";
import { BadPidFileError, daemonStatus, PidFileExistsError, readPidFile, writePidFile } from "@impl/05-daemons/pidfile";
import { stopDaemon } from "@impl/05-daemons/stop";
import { expectRejects, expectThrows, hasCommand, impl, isAlive, pidsWithEnv, readAll, readLine, spawnTracked, spawnTs, tempDir, trackPid, tsNodeArgs, waitFor, waitForExit } from "../../../course/testkit";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const ENTRY = path.join(fixtures, "entry.ts");
const CALLER = path.join(fixtures, "caller.ts");
const SERVICE = path.join(fixtures, "service.ts");
const WRITE_PIDFILE = path.join(fixtures, "write-pidfile.ts");
const DAEMON_MODULE = impl("05-daemons/daemon.ts");

/** Starting a daemon runs Node twice (middle, daemon): be generous on a busy machine. */
const SLOW = { timeoutMs: 30_000 };
const DAEMON_TEST_MS = 60_000;

// ---------------------------------------------------------------- /proc readers

interface Stat {
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  ttyNr: number;
  startTime: number;
}

function procStat(pid: number): Stat {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const n = (field: number): number => Number(f[field - 3]);
  return { state: f[0] ?? "?", ppid: n(4), pgrp: n(5), session: n(6), ttyNr: n(7), startTime: n(22) };
}

function umaskOf(pid: number): string {
  return /^Umask:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "?";
}

/** fd number -> what it points to ("/dev/null", "socket:[123]", ...). */
function fdTable(pid: number): Map<number, string> {
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

const pidFileText = (pid: number): string => `${pid}\n${procStat(pid).startTime}\n`;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function firstLineOf(file: string): number {
  return Number(readFileSync(file, "utf8").split("\n")[0]);
}

// ---------------------------------------------------------------- test scaffolding

interface Workspace {
  dir: string;
  pidFile: string;
  logFile: string;
  /** Pids that reached the daemon stage (the entry fixture appends them). */
  started(): number[];
  log(): string;
}

const workspaces: Workspace[] = [];

function workspace(): Workspace {
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
afterEach(() => {
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
});

function kill(pid: number): void {
  trackPid(pid);
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
}

/** Everything a stream says, as it arrives, and whether it has ended. */
function watch(stream: Readable): { text: () => string; ended: () => boolean } {
  let text = "";
  let ended = false;
  stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  stream.on("end", () => (ended = true));
  stream.on("close", () => (ended = true));
  stream.on("error", () => (ended = true));
  return { text: () => text, ended: () => ended };
}

/** Settles-or-not flag for a promise, without swallowing its outcome. */
function track<T>(promise: Promise<T>): { settled: () => boolean } {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { settled: () => settled };
}

/** Processes still carrying this test's mark (every process the test started inherits it). */
function markedProcesses(): number[] {
  const mark = process.env.COURSE_TEST_MARK;
  return mark ? pidsWithEnv("COURSE_TEST_MARK", mark).filter(isAlive) : [];
}

/**
 * Run the entry fixture straight in the daemon stage, the test playing the
 * middle process: stdin /dev/null, stdout and stderr on the log, our end of fd 3.
 */
function startDaemonStage(
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
async function waitReady(ws: Workspace, child: ChildProcess, channel: ReturnType<typeof watch>): Promise<void> {
  await waitFor(
    "READY=1 on fd 3",
    () => channel.text().includes("READY=1\n") || channel.ended() || child.exitCode !== null,
    SLOW,
  );
  if (!channel.text().includes("READY=1\n")) {
    throw new Error(`the daemon never reported READY=1 on fd ${NOTIFY_FD}; its log says:\n${ws.log()}`);
  }
}

/** Wait until the entry fixture has reached the daemon stage (or whatever we wait on has settled). */
async function waitStarted(ws: Workspace, gaveUp: () => boolean): Promise<number> {
  await waitFor("the entry script to reach the daemon stage", () => ws.started().length > 0 || gaveUp(), SLOW);
  const [pid] = ws.started();
  if (pid === undefined) throw new Error(`the daemon stage never started; the log says:\n${ws.log()}`);
  return pid;
}

function entryArgs(ws: Workspace, ...modes: string[]): string[] {
  return [DAEMON_MODULE, ws.dir, ...modes];
}

/** The facts every daemon must show in /proc. */
async function expectDetachedDaemon(pid: number, ws: Workspace): Promise<Stat> {
  const caller = procStat(process.pid);
  const stat = procStat(pid);
  expect(stat.session, "the daemon leads its own session: a single fork? it could still acquire a terminal").not.toBe(pid);
  expect(stat.session, "the daemon is still in the caller's session: spawn the middle with detached: true").not.toBe(
    caller.session,
  );
  expect(stat.ttyNr, "the daemon has a controlling terminal").toBe(0);
  // The middle process (the leader of the daemon's session) must exit, and the daemon be re-parented.
  await waitFor(
    "the middle process to exit, so that the daemon is re-parented",
    () => !isAlive(stat.session) && procStat(pid).ppid !== stat.session,
    SLOW,
  );
  expect(procStat(pid).ppid, "the daemon's parent is still the caller").not.toBe(process.pid);

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
  return procStat(pid);
}

// ================================================================ pid files

describe("pidFile", () => {
  it("writes '<pid>\\n<start time>\\n' and reads it back; a missing file reads as undefined", () => {
    const ws = workspace();
    writePidFile(ws.pidFile, { pid: 4242, startTime: 987654 });
    expect(readFileSync(ws.pidFile, "utf8")).toBe("4242\n987654\n");
    expect(readPidFile(ws.pidFile)).toEqual({ pid: 4242, startTime: 987654 });
    expect(readPidFile(path.join(ws.dir, "none.pid"))).toBeUndefined();
    expect(readdirSync(ws.dir), "no temporary file may be left behind").toEqual(["d.pid"]);
  });

  it("is exclusive: an existing pid file is never replaced", () => {
    const ws = workspace();
    writeFileSync(ws.pidFile, "1234\n5678\n");
    const error = expectThrows(() => writePidFile(ws.pidFile, { pid: 4242, startTime: 1 }), PidFileExistsError, "writePidFile() where a pid file already exists");
    expect((error as Error).message).toContain(ws.pidFile);
    expect(readFileSync(ws.pidFile, "utf8")).toBe("1234\n5678\n");
    expect(readdirSync(ws.dir), "no temporary file may be left behind").toEqual(["d.pid"]);
  });

  it("is atomic: the pid file appears complete (written elsewhere, then linked or renamed into place)", async () => {
    const ws = workspace();
    // inotify (fs.watch) reports each change to a name in the folder, in order:
    // a file written in place shows a "change" under its final name; one
    // written elsewhere and then linked or renamed appears already complete.
    const events: string[] = [];
    const watcher = watchFolder(ws.dir, (event, name) => events.push(`${event} ${String(name)}`));
    try {
      writePidFile(ws.pidFile, { pid: 4242, startTime: 77 });
      // Events arrive in order: once the marker's shows up, all of writePidFile's have.
      writeFileSync(path.join(ws.dir, "marker"), "");
      await waitFor("inotify to report the test's marker file", () => events.some((event) => event.endsWith(" marker")));
    } finally {
      watcher.close();
    }
    expect(readFileSync(ws.pidFile, "utf8")).toBe("4242\n77\n");
    const name = path.basename(ws.pidFile);
    expect(
      events.filter((event) => event === `change ${name}`),
      "the pid file was written in place: for a moment it exists empty or half-written, and a reader takes it for a bad pid file. " +
        "Write it under another name in the same folder, then link() or rename() it into place",
    ).toEqual([]);
  });

  it.skipIf(!hasCommand("strace"))("is atomic, as traced: no open() for writing of the pid file's name, then link() or rename() (needs strace)", async () => {
    const ws = workspace();
    const module = impl("05-daemons/pidfile.ts");
    const trace = path.join(ws.dir, "trace.txt");
    const node = [process.execPath, ...tsNodeArgs, WRITE_PIDFILE, module, ws.pidFile, "4242", "77"];
    const child = spawnTracked("strace", ["-f", "-qq", "-e", "trace=%file", "-o", trace, ...node]);
    const errors = watch(child.stderr!);
    const status = await waitForExit(child, "writePidFile in a child process", 30_000);
    expect(status.code, `the child failed:\n${errors.text()}`).toBe(0);
    expect(readFileSync(ws.pidFile, "utf8")).toBe("4242\n77\n");
    const calls = readFileSync(trace, "utf8")
      .split("\n")
      .filter((line) => line.includes(`"${ws.pidFile}"`));
    const openedForWriting = calls.filter((line) => /open(at)?\(/.test(line) && /O_WRONLY|O_RDWR|O_CREAT/.test(line));
    expect(openedForWriting, "the pid file was opened and written in place: a reader can see it empty").toEqual([]);
    expect(
      calls.some((line) => /^\d+\s+(link|linkat|rename|renameat|renameat2)\(/.test(line)),
      "the pid file never got its name by link() or rename(): write it under another name, then link or rename it into place",
    ).toBe(true);
  }, DAEMON_TEST_MS);

  it("rejects a file that is not a pid file, naming it", () => {
    const ws = workspace();
    for (const content of ["", "hello\n", "1234\n", "12 34\n", "-5\n100\n"]) {
      writeFileSync(ws.pidFile, content);
      const error = expectThrows(() => readPidFile(ws.pidFile), BadPidFileError, `readPidFile() of a pid file holding ${JSON.stringify(content)}`);
      expect((error as Error).message).toContain(ws.pidFile);
    }
  });

  it("daemonStatus: running, stopped, and stale for a dead pid, a reused pid or a bad file", async () => {
    const ws = workspace();
    expect(daemonStatus(ws.pidFile)).toEqual({ state: "stopped" });

    const me = procStat(process.pid);
    writeFileSync(ws.pidFile, `${process.pid}\n${me.startTime}\n`);
    expect(daemonStatus(ws.pidFile)).toEqual({ state: "running", pid: process.pid, startTime: me.startTime });

    // Same pid, another start time: the pid was reused by an unrelated process.
    writeFileSync(ws.pidFile, `${process.pid}\n${me.startTime + 1}\n`);
    expect(daemonStatus(ws.pidFile)).toMatchObject({ state: "stale", pid: process.pid });

    const gone = spawnTracked(process.execPath, ["-e", ""]);
    await waitForExit(gone);
    writeFileSync(ws.pidFile, `${gone.pid}\n12345\n`);
    expect(daemonStatus(ws.pidFile)).toMatchObject({ state: "stale", pid: gone.pid });

    writeFileSync(ws.pidFile, "garbage\n");
    expect(daemonStatus(ws.pidFile)).toMatchObject({ state: "stale" });
  });

  it("daemonStatus: a zombie (exited, not yet reaped) is not running", async () => {
    const ws = workspace();
    // `sleep 0` exits at once; its parent becomes `sleep 30`, which never reaps it.
    const parent = spawnTracked("sh", ["-c", "sleep 0 & echo $!; exec sleep 30"]);
    const zombie = Number(await readLine(parent.stdout!, "the zombie's pid"));
    await waitFor("the child to become a zombie", () => procStat(zombie).state === "Z");
    writeFileSync(ws.pidFile, pidFileText(zombie));
    expect(daemonStatus(ws.pidFile)).toMatchObject({ state: "stale", pid: zombie });
  });
});

// ================================================================ the daemon side

describe("daemonSide", () => {
  it("ready() writes the pid file, then reports READY=1 on fd 3 and closes it; not before", async () => {
    const ws = workspace();
    const { child, channel } = startDaemonStage(ws, ["wait-go"]);
    const pid = await waitStarted(ws, () => child.exitCode !== null);
    expect(pid).toBe(child.pid);
    expect(existsSync(ws.pidFile), "the pid file exists before the daemon called ready()").toBe(false);
    expect(channel.text()).not.toContain("READY=1");

    writeFileSync(path.join(ws.dir, "go"), "");
    await waitReady(ws, child, channel);
    expect(readFileSync(ws.pidFile, "utf8")).toBe(pidFileText(pid));
    await waitFor(`the daemon to close fd ${NOTIFY_FD} after READY=1`, () => channel.ended() || child.exitCode !== null);
    expect(isAlive(pid), `the daemon died after ready():\n${ws.log()}`).toBe(true);
  }, DAEMON_TEST_MS);

  it("applies the umask it is given and closes descriptors it inherited by accident", async () => {
    const ws = workspace();
    const strayPath = path.join(ws.dir, "stray.txt");
    const stray = openSync(strayPath, "w");
    const { child, channel } = startDaemonStage(ws, [], { umask: "027", strayFd: stray });
    closeSync(stray);
    await waitReady(ws, child, channel);
    expect(umaskOf(child.pid!)).toBe("0027");
    const leaked = [...fdTable(child.pid!)].filter(([, target]) => target === strayPath);
    expect(leaked, "fd 40 (inherited, not close-on-exec) is still open in the daemon").toEqual([]);
  }, DAEMON_TEST_MS);

  it("SIGTERM: finishes the stop handlers, then removes the pid file and exits 0", async () => {
    const ws = workspace();
    const { child, channel } = startDaemonStage(ws, ["slow-stop"]);
    await waitReady(ws, child, channel);
    process.kill(child.pid!, "SIGTERM");
    await waitFor("the daemon to log 'stopping'", () => ws.log().includes("stopping") || child.exitCode !== null, SLOW);
    expect(isAlive(child.pid!), `the daemon exited before its stop handler finished:\n${ws.log()}`).toBe(true);
    expect(existsSync(ws.pidFile), "the pid file must stay while the daemon is still running").toBe(true);

    writeFileSync(path.join(ws.dir, "finish"), "");
    const status = await waitForExit(child, "the daemon to exit after SIGTERM", 30_000);
    expect(status).toEqual({ code: 0, signal: null });
    expect(ws.log()).toContain("stopped");
    expect(existsSync(ws.pidFile), "the pid file was left behind").toBe(false);
  }, DAEMON_TEST_MS);

  it("SIGHUP reopens the log: after a rotation, output goes to the new file", async () => {
    const ws = workspace();
    const { child, channel } = startDaemonStage(ws, []);
    await waitReady(ws, child, channel);
    const rotated = `${ws.logFile}.1`;
    renameSync(ws.logFile, rotated); // what logrotate does
    process.kill(child.pid!, "SIGHUP");
    await waitFor("the daemon to create the log again", () => existsSync(ws.logFile) || !isAlive(child.pid!), SLOW);
    expect(isAlive(child.pid!), "SIGHUP killed the daemon (no handler?)").toBe(true);
    process.kill(child.pid!, "SIGUSR2"); // the fixture logs a "ping" line
    await waitFor("the ping in the new log", () => ws.log().includes("ping"), SLOW);
    expect(readFileSync(rotated, "utf8")).not.toContain("ping");
    const stillOpen = [...fdTable(child.pid!).values()].filter((target) => target.startsWith(rotated));
    expect(stillOpen, "the rotated log is still open").toEqual([]);
  }, DAEMON_TEST_MS);

  it("ready() refuses to take over a pid file that names a live process", async () => {
    const ws = workspace();
    const original = pidFileText(process.pid);
    writeFileSync(ws.pidFile, original);
    const { child, channel } = startDaemonStage(ws, []);
    const status = await waitForExit(child, "the daemon to give up", 30_000);
    expect(status.code, "the daemon carried on although another process owns the pid file").not.toBe(0);
    expect(ws.log()).toMatch(/PidFileExistsError|already exists/);
    expect(channel.text()).not.toContain("READY=1");
    expect(readFileSync(ws.pidFile, "utf8")).toBe(original);
  }, DAEMON_TEST_MS);
});

// ================================================================ daemonize

describe("daemonize", () => {
  it("resolves to a daemon that /proc shows detached: own session but not its leader, no tty, re-parented, cwd /, umask", async () => {
    const ws = workspace();
    const pid = await daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, umask: 0o027, args: entryArgs(ws) });
    trackPid(pid);
    expect(ws.started(), "the pid daemonize() returned is not the process that runs the daemon").toEqual([pid]);
    expect(firstLineOf(ws.pidFile), "the pid file does not name the daemon (the middle process?)").toBe(pid);
    await expectDetachedDaemon(pid, ws);
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe("/");
    expect(umaskOf(pid)).toBe("0027");
    expect(readdirSync(ws.dir).sort(), "only the pid file, the log (and the fixture's list) may remain").toEqual([
      "d.log",
      "d.pid",
      "started",
    ]);
  }, DAEMON_TEST_MS);

  it("uses the cwd it is given, and umask 022 by default whatever the caller's umask", async () => {
    const ws = workspace();
    const previous = process.umask(0o077);
    let pid: number;
    try {
      pid = await daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, cwd: ws.dir, args: entryArgs(ws) });
    } finally {
      process.umask(previous);
    }
    trackPid(pid);
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(ws.dir);
    expect(umaskOf(pid)).toBe("0022");
  }, DAEMON_TEST_MS);

  it("resolves only once the daemon is ready, and no pid file exists before that", async () => {
    const ws = workspace();
    const pending = daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws, "wait-go") });
    const state = track(pending);
    const started = await waitStarted(ws, state.settled);
    trackPid(started);
    expect(state.settled(), "daemonize() settled before the daemon called ready()").toBe(false);
    expect(existsSync(ws.pidFile), "the pid file was written before the daemon was ready").toBe(false);

    writeFileSync(path.join(ws.dir, "go"), "");
    const pid = await pending;
    expect(pid).toBe(started);
    expect(readFileSync(ws.pidFile, "utf8")).toBe(pidFileText(pid));
  }, DAEMON_TEST_MS);

  it("leaves the caller's stdio and stray descriptors behind: the caller's output reaches EOF", async () => {
    const ws = workspace();
    const strayPath = path.join(ws.dir, "stray.txt");
    const stray = openSync(strayPath, "w");
    const stdio: Array<"ignore" | "pipe" | number> = ["ignore", "pipe", "pipe"];
    while (stdio.length < 40) stdio.push("ignore");
    stdio.push(stray); // the caller gets fd 40 without close-on-exec, as if its parent leaked it
    const options = { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws) };
    const caller = spawnTs(CALLER, [impl("05-daemons/daemonize.ts"), ENTRY, JSON.stringify(options)], { stdio });
    closeSync(stray);
    const [out] = await Promise.all([
      readAll(caller.stdout!, "the caller's stdout to reach EOF (a daemon holding it open means it never does)", 30_000),
      readAll(caller.stderr!, "the caller's stderr to reach EOF (a daemon holding it open means it never does)", 30_000),
    ]);
    const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { pid?: number; message?: string; stdio: string[] };
    expect(result.message).toBeUndefined();
    const pid = result.pid!;
    trackPid(pid);
    const targets = [...fdTable(pid).values()];
    for (const callerStdio of result.stdio) expect(targets, `the daemon holds the caller's ${callerStdio}`).not.toContain(callerStdio);
    expect(targets, "the daemon inherited the caller's stray fd 40").not.toContain(strayPath);
  }, DAEMON_TEST_MS);

  it("five concurrent daemonize() calls, from five processes, start exactly one daemon", async () => {
    const ws = workspace();
    const options = { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws, "wait-go") };
    const callers = Array.from({ length: 5 }, () =>
      spawnTs(CALLER, [impl("05-daemons/daemonize.ts"), ENTRY, JSON.stringify(options)], {
        stdio: ["ignore", "pipe", "ignore"],
      }),
    );
    const outputs = callers.map((caller) => readAll(caller.stdout!, "a caller to finish", 50_000));
    // The first daemon waits for "go": meanwhile the other four must give up.
    await waitFor(
      "four callers to give up, or a second daemon to start",
      () => callers.filter((c) => c.exitCode !== null).length >= 4 || ws.started().length > 1,
      { timeoutMs: 50_000 },
    );
    writeFileSync(path.join(ws.dir, "go"), "");
    const results = (await Promise.all(outputs)).map(
      (out) => JSON.parse(out.trim().split("\n").pop() ?? "{}") as { pid?: number; error?: string; message?: string },
    );
    for (const pid of ws.started()) trackPid(pid);
    expect(ws.started().length, "more than one daemon ran").toBe(1);
    const winners = results.filter((r) => r.pid !== undefined);
    expect(winners.map((r) => r.pid)).toEqual(ws.started());
    const losers = results.filter((r) => r.pid === undefined);
    expect(losers.map((r) => r.error)).toEqual(Array(4).fill("AlreadyRunningError"));
    expect(firstLineOf(ws.pidFile)).toBe(winners[0]!.pid);
  }, 120_000);

  it("refuses to start a second daemon while one is live", async () => {
    const ws = workspace();
    const options = { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws) };
    const pid = await daemonize(ENTRY, options);
    trackPid(pid);
    const error = await expectRejects(async () => trackPid(await daemonize(ENTRY, options)), AlreadyRunningError, "daemonize() while its daemon is already running");
    expect((error as AlreadyRunningError).pid).toBe(pid);
    expect((error as Error).message).toContain(String(pid));
    expect(ws.started(), "a second daemon was started").toEqual([pid]);
    expect(isAlive(pid), `the running daemon ${pid} died when a second daemonize() was refused`).toBe(true);
  }, DAEMON_TEST_MS);

  it("replaces a stale pid file whose process is dead", async () => {
    const ws = workspace();
    const gone = spawnTracked(process.execPath, ["-e", ""]);
    await waitForExit(gone);
    writeFileSync(ws.pidFile, `${gone.pid}\n12345\n`);
    const pid = await daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws) });
    trackPid(pid);
    expect(readFileSync(ws.pidFile, "utf8")).toBe(pidFileText(pid));
  }, DAEMON_TEST_MS);

  it("replaces a pid file whose pid was reused by another process", async () => {
    const ws = workspace();
    // This very process has that pid, but it started at another time: not the daemon.
    writeFileSync(ws.pidFile, `${process.pid}\n${procStat(process.pid).startTime - 1}\n`);
    const pid = await daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws) });
    trackPid(pid);
    expect(readFileSync(ws.pidFile, "utf8")).toBe(pidFileText(pid));
  }, DAEMON_TEST_MS);

  it("is not blocked by the lock of a daemonize() that died, and removes its own lock", async () => {
    const ws = workspace();
    const gone = spawnTracked(process.execPath, ["-e", ""]);
    await waitForExit(gone);
    writeFileSync(`${ws.pidFile}.lock`, `${gone.pid}\n12345\n`);
    const pid = await daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws) });
    trackPid(pid);
    expect(existsSync(`${ws.pidFile}.lock`), "the lock was left behind").toBe(false);
  }, DAEMON_TEST_MS);

  it("rejects a pid file in a missing directory, or a missing entry script, before starting anything", async () => {
    const ws = workspace();
    const missingDir = path.join(ws.dir, "no-such-dir");
    await expect(daemonize(ENTRY, { pidFile: path.join(missingDir, "d.pid"), args: entryArgs(ws) })).rejects.toThrow(
      new RegExp(`${escapeRegExp(missingDir)}.*does not exist`),
    );
    const missingEntry = path.join(ws.dir, "no-such-entry.ts");
    await expect(daemonize(missingEntry, { pidFile: ws.pidFile, args: entryArgs(ws) })).rejects.toThrow(
      new RegExp(`${escapeRegExp(missingEntry)}.*does not exist`),
    );
    expect(markedProcesses(), "processes were started anyway").toEqual([]);
    expect(readdirSync(ws.dir)).toEqual([]);
  });

  it("an entry that crashes before ready(): DaemonStartError with the crash, and nothing left behind", async () => {
    const ws = workspace();
    const attempt = daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws, "crash-before-ready") });
    await expect(attempt).rejects.toBeInstanceOf(DaemonStartError);
    await expect(attempt).rejects.toThrow(/fixture: crashing before ready/);
    await waitFor("every process this test started to be gone", () => markedProcesses().length === 0, SLOW);
    expect(readdirSync(ws.dir).sort(), "a pid file or a lock was left behind").toEqual(["d.log", "started"]);
  }, DAEMON_TEST_MS);

  it("an entry that crashes before becomeDaemon(): DaemonStartError with its stderr, nothing left behind", async () => {
    const ws = workspace();
    const attempt = daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws, "crash-at-start") });
    await expect(attempt).rejects.toBeInstanceOf(DaemonStartError);
    await expect(attempt).rejects.toThrow(/fixture: crashing at start/);
    await waitFor("every process this test started to be gone", () => markedProcesses().length === 0, SLOW);
    expect(readdirSync(ws.dir).filter((name) => name !== "d.log")).toEqual([]);
  }, DAEMON_TEST_MS);

  it("an entry that never calls ready(): DaemonStartError after readyTimeoutMs, and the daemon is killed", async () => {
    const ws = workspace();
    const attempt = daemonize(ENTRY, {
      pidFile: ws.pidFile,
      logFile: ws.logFile,
      args: entryArgs(ws, "never-ready"),
      readyTimeoutMs: 3_000,
    });
    await expect(attempt).rejects.toBeInstanceOf(DaemonStartError);
    await expect(attempt).rejects.toThrow(/ready/);
    await waitFor("every process this test started to be gone", () => markedProcesses().length === 0, SLOW);
    for (const pid of ws.started()) expect(isAlive(pid), `the daemon ${pid} was left running`).toBe(false);
    expect(existsSync(ws.pidFile), "a pid file was left behind by a daemon that never became ready").toBe(false);
  }, DAEMON_TEST_MS);
});

// ================================================================ stopDaemon

/** A plain process that handles SIGTERM as `mode` says, and a correct pid file for it. */
async function service(ws: Workspace, mode: "graceful" | "slow" | "ignore-term"): Promise<ChildProcess> {
  const child = spawnTs(SERVICE, [ws.dir, mode]);
  await readLine(child.stdout!, "the service to be ready", { pattern: /^ready$/, timeoutMs: 30_000 });
  writeFileSync(ws.pidFile, pidFileText(child.pid!));
  return child;
}

describe("stopDaemon", () => {
  it("sends SIGTERM and waits until the daemon has finished, then removes the pid file", async () => {
    const ws = workspace();
    const child = await service(ws, "slow");
    const output = watch(child.stdout!);
    const stopping = stopDaemon(ws.pidFile, { timeoutMs: 30_000 });
    const state = track(stopping);
    await waitFor("the service to receive SIGTERM", () => output.text().includes("stopping") || state.settled(), SLOW);
    expect(state.settled(), "stopDaemon() returned while the daemon was still running").toBe(false);
    expect(isAlive(child.pid!), "the daemon died before it could finish its work: send SIGTERM, not SIGKILL, first").toBe(true);

    writeFileSync(path.join(ws.dir, "finish"), "");
    expect(await stopping).toEqual({ state: "stopped", pid: child.pid, forced: false });
    expect(isAlive(child.pid!), "the daemon is still running").toBe(false);
    expect(existsSync(ws.pidFile), "the pid file was left behind").toBe(false);
  }, DAEMON_TEST_MS);

  it("escalates to SIGKILL when SIGTERM is ignored, and still removes the pid file", async () => {
    const ws = workspace();
    const child = await service(ws, "ignore-term");
    const result = await stopDaemon(ws.pidFile, { timeoutMs: 500 });
    expect(result).toEqual({ state: "stopped", pid: child.pid, forced: true });
    expect(isAlive(child.pid!), "stopDaemon() returned while the daemon that ignores SIGTERM still runs: escalate to SIGKILL and wait").toBe(false);
    expect((await waitForExit(child)).signal).toBe("SIGKILL");
    expect(existsSync(ws.pidFile), "the pid file was left behind").toBe(false);
  }, DAEMON_TEST_MS);

  it("never signals a process that merely reuses the pid; removes the stale file instead", async () => {
    const ws = workspace();
    const bystander = await service(ws, "graceful");
    writeFileSync(ws.pidFile, `${bystander.pid}\n${procStat(bystander.pid!).startTime + 1}\n`);
    expect(await stopDaemon(ws.pidFile)).toEqual({ state: "not-running", stalePidFileRemoved: true });
    expect(existsSync(ws.pidFile), "the stale pid file is still there").toBe(false);
    expect(await stopDaemon(ws.pidFile)).toEqual({ state: "not-running", stalePidFileRemoved: false });
    expect(isAlive(bystander.pid!), "an unrelated process with the same pid was killed").toBe(true);
    expect(bystander.exitCode).toBeNull();
  }, DAEMON_TEST_MS);

  it("stops a daemon started by daemonize(), which can then be started again", async () => {
    const ws = workspace();
    const options = { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws) };
    const first = await daemonize(ENTRY, options);
    trackPid(first);
    expect(await stopDaemon(ws.pidFile)).toEqual({ state: "stopped", pid: first, forced: false });
    expect(isAlive(first), `stopDaemon() returned while the daemon ${first} still runs`).toBe(false);
    expect(existsSync(ws.pidFile), "the pid file is still there after stopDaemon()").toBe(false);
    expect(ws.log()).toContain("stopped");
    const second = await daemonize(ENTRY, options);
    trackPid(second);
    expect(second).not.toBe(first);
    expect(firstLineOf(ws.pidFile)).toBe(second);
  }, DAEMON_TEST_MS);
});
