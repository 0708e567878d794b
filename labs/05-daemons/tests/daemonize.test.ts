// Lab 05 tests, task daemonize: start a daemon that /proc shows detached, exactly once.
// Every fact about a daemon is read from the kernel, in /proc. Shared helpers: helpers.ts.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AlreadyRunningError, daemonize, DaemonStartError } from "@impl/05-daemons/daemonize";
import { expectRejects, impl, isAlive, readAll, spawnTracked, spawnTs, trackPid, waitFor, waitForExit } from "../../../course/testkit";
import {
  CALLER,
  cleanUpWorkspaces,
  DAEMON_TEST_MS,
  ENTRY,
  entryArgs,
  entryOf,
  escapeRegExp,
  expectDetachedDaemon,
  fdTable,
  firstLineOf,
  markedProcesses,
  pidFileText,
  SLOW,
  track,
  umaskOf,
  waitStarted,
  workspace,
} from "./helpers";

afterEach(cleanUpWorkspaces);

describe("daemonize", () => {
  it(
    "resolves to a daemon that /proc shows detached: own session but not its leader, no tty, re-parented, cwd /, umask",
    async () => {
      const ws = workspace();
      const pid = await daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, umask: 0o027, args: entryArgs(ws) });
      trackPid(pid);
      expect(ws.started(), "the pid daemonize() returned is not the process that runs the daemon").toEqual([pid]);
      expect(firstLineOf(ws.pidFile), "the pid file does not name the daemon (the middle process?)").toBe(pid);
      await expectDetachedDaemon(pid, ws);
      expect(readlinkSync(`/proc/${pid}/cwd`)).toBe("/");
      expect(umaskOf(pid)).toBe("0027");
      expect(readdirSync(ws.dir).sort(), "only the pid file, the log (and the fixture's list) may remain").toEqual(["d.log", "d.pid", "started"]);
    },
    DAEMON_TEST_MS,
  );

  it(
    "uses the cwd it is given, and umask 022 by default whatever the caller's umask",
    async () => {
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
    },
    DAEMON_TEST_MS,
  );

  it(
    "resolves only once the daemon is ready, and no pid file exists before that",
    async () => {
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
    },
    DAEMON_TEST_MS,
  );

  it(
    "leaves the caller's stdio and stray descriptors behind: the caller's output reaches EOF",
    async () => {
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
    },
    DAEMON_TEST_MS,
  );

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

  it(
    "refuses to start a second daemon while one is live",
    async () => {
      const ws = workspace();
      const options = { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws) };
      const pid = await daemonize(ENTRY, options);
      trackPid(pid);
      const error = await expectRejects(
        async () => trackPid(await daemonize(ENTRY, options)),
        AlreadyRunningError,
        "daemonize() while its daemon is already running",
      );
      expect(error.pid).toBe(pid);
      expect((error as Error).message).toContain(String(pid));
      expect(ws.started(), "a second daemon was started").toEqual([pid]);
      expect(isAlive(pid), `the running daemon ${pid} died when a second daemonize() was refused`).toBe(true);
    },
    DAEMON_TEST_MS,
  );

  it(
    "replaces a stale pid file whose process is dead",
    async () => {
      const ws = workspace();
      const gone = spawnTracked(process.execPath, ["-e", ""]);
      await waitForExit(gone);
      writeFileSync(ws.pidFile, `${gone.pid}\n12345\n`);
      const pid = await daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws) });
      trackPid(pid);
      expect(readFileSync(ws.pidFile, "utf8")).toBe(pidFileText(pid));
    },
    DAEMON_TEST_MS,
  );

  it(
    "replaces a pid file whose pid was reused by another process",
    async () => {
      const ws = workspace();
      // This very process has that pid, but it started at another time: not the daemon.
      writeFileSync(ws.pidFile, `${process.pid}\n${entryOf(process.pid).startTicks - 1}\n`);
      const pid = await daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws) });
      trackPid(pid);
      expect(readFileSync(ws.pidFile, "utf8")).toBe(pidFileText(pid));
    },
    DAEMON_TEST_MS,
  );

  it(
    "is not blocked by the lock of a daemonize() that died, and removes its own lock",
    async () => {
      const ws = workspace();
      const gone = spawnTracked(process.execPath, ["-e", ""]);
      await waitForExit(gone);
      writeFileSync(`${ws.pidFile}.lock`, `${gone.pid}\n12345\n`);
      const pid = await daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws) });
      trackPid(pid);
      expect(existsSync(`${ws.pidFile}.lock`), "the lock was left behind").toBe(false);
    },
    DAEMON_TEST_MS,
  );

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

  it(
    "an entry that crashes before ready(): DaemonStartError with the crash, and nothing left behind",
    async () => {
      const ws = workspace();
      const attempt = daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws, "crash-before-ready") });
      await expect(attempt).rejects.toBeInstanceOf(DaemonStartError);
      await expect(attempt).rejects.toThrow(/fixture: crashing before ready/);
      await waitFor("every process this test started to be gone", () => markedProcesses().length === 0, SLOW);
      expect(readdirSync(ws.dir).sort(), "a pid file or a lock was left behind").toEqual(["d.log", "started"]);
    },
    DAEMON_TEST_MS,
  );

  it(
    "an entry that crashes before becomeDaemon(): DaemonStartError with its stderr, nothing left behind",
    async () => {
      const ws = workspace();
      const attempt = daemonize(ENTRY, { pidFile: ws.pidFile, logFile: ws.logFile, args: entryArgs(ws, "crash-at-start") });
      await expect(attempt).rejects.toBeInstanceOf(DaemonStartError);
      await expect(attempt).rejects.toThrow(/fixture: crashing at start/);
      await waitFor("every process this test started to be gone", () => markedProcesses().length === 0, SLOW);
      expect(readdirSync(ws.dir).filter((name) => name !== "d.log")).toEqual([]);
    },
    DAEMON_TEST_MS,
  );

  it(
    "an entry that never calls ready(): DaemonStartError after readyTimeoutMs, and the daemon is killed",
    async () => {
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
    },
    DAEMON_TEST_MS,
  );
});
