// Lab 05 tests, task daemonSide: the daemon's own side (ready(), signals, the log),
// run straight in the daemon stage with the test playing the middle process.
// Every fact about a daemon is read from the kernel, in /proc. Shared helpers: helpers.ts.
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NOTIFY_FD } from "@impl/05-daemons/daemon";
import { isAlive, waitFor, waitForExit } from "../../../course/testkit";
import { cleanUpWorkspaces, DAEMON_TEST_MS, fdTable, pidFileText, SLOW, startDaemonStage, umaskOf, waitReady, waitStarted, workspace } from "./helpers";

afterEach(cleanUpWorkspaces);

describe("daemonSide", () => {
  it(
    "ready() writes the pid file, then reports READY=1 on fd 3 and closes it; not before",
    async () => {
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
    },
    DAEMON_TEST_MS,
  );

  it(
    "applies the umask it is given and closes descriptors it inherited by accident",
    async () => {
      const ws = workspace();
      const strayPath = path.join(ws.dir, "stray.txt");
      const stray = openSync(strayPath, "w");
      const { child, channel } = startDaemonStage(ws, [], { umask: "027", strayFd: stray });
      closeSync(stray);
      await waitReady(ws, child, channel);
      expect(umaskOf(child.pid!)).toBe("0027");
      const leaked = [...fdTable(child.pid!)].filter(([, target]) => target === strayPath);
      expect(leaked, "fd 40 (inherited, not close-on-exec) is still open in the daemon").toEqual([]);
    },
    DAEMON_TEST_MS,
  );

  it(
    "SIGTERM: finishes the stop handlers, then removes the pid file and exits 0",
    async () => {
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
    },
    DAEMON_TEST_MS,
  );

  it(
    "SIGHUP reopens the log: after a rotation, output goes to the new file",
    async () => {
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
    },
    DAEMON_TEST_MS,
  );

  it(
    "ready() refuses to take over a pid file that names a live process",
    async () => {
      const ws = workspace();
      const original = pidFileText(process.pid);
      writeFileSync(ws.pidFile, original);
      const { child, channel } = startDaemonStage(ws, []);
      const status = await waitForExit(child, "the daemon to give up", 30_000);
      expect(status.code, "the daemon carried on although another process owns the pid file").not.toBe(0);
      expect(ws.log()).toMatch(/PidFileExistsError|already exists/);
      expect(channel.text()).not.toContain("READY=1");
      expect(readFileSync(ws.pidFile, "utf8")).toBe(original);
    },
    DAEMON_TEST_MS,
  );
});
