// Lab 11 tests, task "shutdown" (daemon mode): supd without --foreground.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { processEntry, spawnTracked, tempDir, waitFor, waitForExit } from "../../../course/testkit";
import { alive, launchDaemon, sh, statusOf, supctl, TEST_MS, writeConfig } from "./harness";

/** Wait until `pid` is gone (it is not our child: we cannot wait() for it). */
function gone(pid: number, what: string): Promise<true> {
  return waitFor(what, () => (alive(pid) ? undefined : true), { timeoutMs: 30_000 });
}

describe("shutdown", () => {
  it(
    "daemon mode: the launcher returns only once every program is RUNNING; the daemon has no terminal; kill <pid> leaves nothing",
    async () => {
      const dir = tempDir("supd-daemon-");
      // RUNNING only after 1.5 s: a launcher that returns at once has announced readiness too early.
      const config = writeConfig(dir, { slow: sh("exec sleep 1000", { startMs: 1500 }), quick: sh("exec sleep 1000", { startMs: 50 }) });
      const launch = await launchDaemon(config);
      expect(launch.code, `the launcher exits 0 once supd is ready (stderr: ${launch.stderr})`).toBe(0);
      expect(launch.stdout).toMatch(/ready/);
      const socket = path.join(dir, "supd.sock");
      for (const name of ["slow", "quick"]) {
        expect((await statusOf(socket, name)).state, `${name} right after the launcher returned: readiness means every autostart program is RUNNING`).toBe(
          "RUNNING",
        );
      }

      const pid = launch.daemonPid!;
      expect(pid, "the pid file names the daemon").toBeGreaterThan(0);
      expect(launch.stdout, "the ready line names the daemon's pid").toContain(String(pid));
      const daemon = processEntry(pid)!;
      expect(daemon.session, "the daemon is not a session leader (double spawn): it can never acquire a terminal").not.toBe(pid);
      expect(daemon.ttyNr, "the daemon has no controlling terminal").toBe(0);
      const programs = [(await statusOf(socket, "slow")).pid!, (await statusOf(socket, "quick")).pid!];

      process.kill(pid, "SIGTERM");
      await gone(pid, "the daemon to exit after SIGTERM");
      for (const program of programs) expect(alive(program), `program pid ${program} after supd was killed`).toBe(false);
      expect(existsSync(socket), "the socket is removed").toBe(false);
      expect(existsSync(path.join(dir, "supd.pid")), "the pid file is removed").toBe(false);
    },
    TEST_MS,
  );

  it(
    "a second supd on the same pid file refuses, naming the pid; a stale pid file of a dead process is replaced",
    async () => {
      const dir = tempDir("supd-daemon-");
      const config = writeConfig(dir, { web: sh("exec sleep 1000", { startMs: 50 }) });
      const pidFile = path.join(dir, "supd.pid");

      // A pid file left by a process that is dead now.
      const dead = spawnTracked("true", []);
      const deadPid = dead.pid!;
      await waitForExit(dead, "a short-lived process to exit");
      writeFileSync(pidFile, `${deadPid}\n12345\n`);

      const first = await launchDaemon(config);
      expect(first.code, `supd starts over a stale pid file (stderr: ${first.stderr})`).toBe(0);
      const pid = first.daemonPid!;
      expect(pid, "the stale pid file now names the new daemon").not.toBe(deadPid);
      expect(alive(pid)).toBe(true);

      const second = await launchDaemon(config);
      expect(second.code, "the second supd refuses to start").not.toBe(0);
      expect(second.stderr, "it says why, naming the running supd's pid").toMatch(new RegExp(`already running.*\\b${pid}\\b`));
      expect(readFileSync(pidFile, "utf8").split("\n")[0], "the first supd's pid file is untouched").toBe(String(pid));
      expect(alive(pid), "the first supd still runs").toBe(true);

      const down = await supctl(["--socket", path.join(dir, "supd.sock"), "shutdown"]);
      expect(down.code, down.stderr).toBe(0);
      await gone(pid, "the daemon to exit after supctl shutdown");
      expect(existsSync(pidFile)).toBe(false);
    },
    TEST_MS,
  );

  it(
    "daemon mode: a program that cannot start makes the launcher exit non-zero, naming it",
    async () => {
      const dir = tempDir("supd-daemon-");
      const config = writeConfig(dir, {
        good: sh("exec sleep 1000", { startMs: 50 }),
        broken: sh("exit 3", { startMs: 500, startRetries: 0 }),
      });
      const launch = await launchDaemon(config);
      expect(launch.code, "the launcher reports that not every program started").not.toBe(0);
      expect(launch.stderr).toMatch(/broken FATAL/);
      const pid = launch.daemonPid!;
      const down = await supctl(["--socket", path.join(dir, "supd.sock"), "shutdown"]);
      expect(down.code, down.stderr).toBe(0);
      await gone(pid, "the daemon to exit after supctl shutdown");
    },
    TEST_MS,
  );
});
