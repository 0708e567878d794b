// Lab 05 tests, task stopDaemon: stop a daemon by its pid file, safely.
// Every fact about a daemon is read from the kernel, in /proc. Shared helpers: helpers.ts.
import type { ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { daemonize } from "@impl/05-daemons/daemonize";
import { stopDaemon } from "@impl/05-daemons/stop";
import { isAlive, readLine, spawnTs, trackPid, waitFor, waitForExit } from "../../../course/testkit";
import {
  cleanUpWorkspaces,
  DAEMON_TEST_MS,
  ENTRY,
  entryArgs,
  entryOf,
  firstLineOf,
  pidFileText,
  SERVICE,
  SLOW,
  track,
  watch,
  workspace,
  type Workspace,
} from "./helpers";

afterEach(cleanUpWorkspaces);

/** A plain process that handles SIGTERM as `mode` says, and a correct pid file for it. */
async function service(ws: Workspace, mode: "graceful" | "slow" | "ignore-term"): Promise<ChildProcess> {
  const child = spawnTs(SERVICE, [ws.dir, mode]);
  await readLine(child.stdout!, "the service to be ready", { pattern: /^ready$/, timeoutMs: 30_000 });
  writeFileSync(ws.pidFile, pidFileText(child.pid!));
  return child;
}

describe("stopDaemon", () => {
  it(
    "sends SIGTERM and waits until the daemon has finished, then removes the pid file",
    async () => {
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
    },
    DAEMON_TEST_MS,
  );

  it(
    "escalates to SIGKILL when SIGTERM is ignored, and still removes the pid file",
    async () => {
      const ws = workspace();
      const child = await service(ws, "ignore-term");
      const result = await stopDaemon(ws.pidFile, { timeoutMs: 500 });
      expect(result).toEqual({ state: "stopped", pid: child.pid, forced: true });
      expect(isAlive(child.pid!), "stopDaemon() returned while the daemon that ignores SIGTERM still runs: escalate to SIGKILL and wait").toBe(false);
      expect((await waitForExit(child)).signal).toBe("SIGKILL");
      expect(existsSync(ws.pidFile), "the pid file was left behind").toBe(false);
    },
    DAEMON_TEST_MS,
  );

  it(
    "never signals a process that merely reuses the pid; removes the stale file instead",
    async () => {
      const ws = workspace();
      const bystander = await service(ws, "graceful");
      writeFileSync(ws.pidFile, `${bystander.pid}\n${entryOf(bystander.pid!).startTicks + 1}\n`);
      expect(await stopDaemon(ws.pidFile)).toEqual({ state: "not-running", stalePidFileRemoved: true });
      expect(existsSync(ws.pidFile), "the stale pid file is still there").toBe(false);
      expect(await stopDaemon(ws.pidFile)).toEqual({ state: "not-running", stalePidFileRemoved: false });
      expect(isAlive(bystander.pid!), "an unrelated process with the same pid was killed").toBe(true);
      expect(bystander.exitCode).toBeNull();
    },
    DAEMON_TEST_MS,
  );

  it(
    "stops a daemon started by daemonize(), which can then be started again",
    async () => {
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
    },
    DAEMON_TEST_MS,
  );
});
