// Lab 11 tests, task "program": the state machine, seen through supd's status.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { processEntry, tempDir, waitFor } from "../../../course/testkit";
import { ageMs, alive, ask, groupMembers, readLog, sh, startSupd, statusOf, TEST_MS, waitForProgram, WALL_CLOCK_JUMPS, writeConfig } from "./harness";

describe("program", () => {
  it(
    "starts each program in its own process group, logs its output, and reaches RUNNING",
    async () => {
      const dir = tempDir("supd-prog-");
      const config = writeConfig(dir, {
        alpha: sh("echo hello from alpha; echo oops >&2; exec sleep 1000", { startMs: 100 }),
        beta: sh("echo hello from beta; exec sleep 1000", { startMs: 100 }),
      });
      const supd = await startSupd(config);
      for (const name of ["alpha", "beta"]) {
        const status = await waitForProgram(supd.socket, name, "RUNNING", (p) => p.state === "RUNNING");
        const pid = status.pid!;
        expect(pid, `${name}'s pid`).toBeGreaterThan(0);
        expect(processEntry(pid)?.pgid, `${name} leads its own process group (pgrp = its pid)`).toBe(pid);
        expect(processEntry(pid)?.ppid, `${name}'s parent is supd`).toBe(supd.pid);
        expect(status.history.map((e) => e.state)).toEqual(["STARTING", "RUNNING"]);
      }
      const alphaLog = await waitFor("alpha's log to hold both lines", () => {
        const text = readLog(dir, "alpha");
        return text.includes("hello from alpha") && text.includes("oops") ? text : undefined;
      });
      expect(alphaLog).toContain("hello from alpha");
      await waitFor("beta's log to hold its line", () => readLog(dir, "beta").includes("hello from beta") || undefined);
    },
    TEST_MS,
  );

  it(
    "a crash loop goes STARTING -> BACKOFF with doubling delays on the monotonic clock, then FATAL",
    async () => {
      const dir = tempDir("supd-prog-");
      const config = writeConfig(dir, {
        crasher: sh("exit 3", { startMs: 20_000, startRetries: 3, backoffMs: 60, backoffMaxMs: 200 }),
      });
      // supd runs with a wall clock that jumps an hour forward at every read.
      const supd = await startSupd(config, { nodeArgs: ["--import", WALL_CLOCK_JUMPS] });
      const status = await waitForProgram(supd.socket, "crasher", "FATAL", (p) => p.state === "FATAL" || p.state === "RUNNING");
      expect(status.state).toBe("FATAL");
      const states = status.history.map((e) => e.state);
      expect(states).toEqual(["STARTING", "BACKOFF", "STARTING", "BACKOFF", "STARTING", "BACKOFF", "STARTING", "FATAL"]);
      const backoffs = status.history.filter((e) => e.state === "BACKOFF");
      expect(
        backoffs.map((e) => e.delayMs),
        "delays double from backoffMs, capped at backoffMaxMs",
      ).toEqual([60, 120, 200]);
      expect(
        backoffs.every((e) => e.exit === "exit 3"),
        "each BACKOFF says how the start failed",
      ).toBe(true);
      // Times are supd's monotonic clock (performance.now()): they grow, and stay within supd's lifetime.
      const age = ageMs(supd.pid);
      for (let i = 0; i < status.history.length; i++) {
        const event = status.history[i]!;
        expect(event.at, `event ${i} (${event.state}) at ${event.at}: on supd's monotonic clock, not Date.now()`).toBeGreaterThanOrEqual(0);
        expect(
          event.at,
          `event ${i} (${event.state}) at ${event.at} ms, but supd is only ${Math.round(age)} ms old: use performance.now(), not Date.now()`,
        ).toBeLessThan(age + 2000);
        if (i > 0) expect(event.at).toBeGreaterThanOrEqual(status.history[i - 1]!.at);
      }
      // Each retry waited at least its delay after the failure, measured by supd itself.
      for (let i = 0; i < status.history.length - 1; i++) {
        const event = status.history[i]!;
        if (event.state !== "BACKOFF") continue;
        const next = status.history[i + 1]!;
        expect(next.at - event.at, `retry after BACKOFF ${event.delayMs} ms came ${(next.at - event.at).toFixed(1)} ms later`).toBeGreaterThanOrEqual(
          event.delayMs! - 1,
        );
      }
      // FATAL is final: nothing restarts it behind our back.
      expect((await statusOf(supd.socket, "crasher")).state).toBe("FATAL");
      expect(status.pid).toBeNull();
    },
    TEST_MS,
  );

  it(
    "a RUNNING program killed with SIGKILL is noticed (EXITED) and started again",
    async () => {
      const dir = tempDir("supd-prog-");
      const config = writeConfig(dir, { victim: sh("exec sleep 1000", { startMs: 100 }) });
      const supd = await startSupd(config);
      const first = await waitForProgram(supd.socket, "victim", "RUNNING", (p) => p.state === "RUNNING");
      process.kill(first.pid!, "SIGKILL");
      const second = await waitForProgram(supd.socket, "victim", "RUNNING again with a new pid", (p) => p.state === "RUNNING" && p.pid !== first.pid);
      const exited = second.history.find((e) => e.state === "EXITED");
      expect(exited, "history records the exit").toBeDefined();
      expect(exited!.exit).toBe("signal SIGKILL");
      expect(second.retries).toBe(0);
      expect(processEntry(second.pid!)?.pgid).toBe(second.pid);
    },
    TEST_MS,
  );

  it(
    "stop sends stopSignal to the whole group first, SIGKILL only after stopTimeoutMs; nothing of the group is left",
    async () => {
      const dir = tempDir("supd-prog-");
      const config = writeConfig(dir, {
        // Says goodbye on SIGTERM, and so does its child (whose pid it writes, so we can find it).
        polite: sh(`trap 'echo got TERM; exit 0' TERM; sh -c 'trap "echo child got TERM; exit 0" TERM; sleep 1000 & wait' & echo $! > polite-child.pid; wait`, {
          cwd: dir,
          startMs: 100,
          stopTimeoutMs: 20_000,
        }),
        // Ignores SIGTERM, and so does its child: only SIGKILL ends them.
        stubborn: sh("trap '' TERM; sleep 1000 & echo $! > stubborn-child.pid; wait", { cwd: dir, startMs: 100, stopTimeoutMs: 300 }),
      });
      const supd = await startSupd(config);
      for (const name of ["polite", "stubborn"]) {
        const status = await waitForProgram(supd.socket, name, "RUNNING", (p) => p.state === "RUNNING");
        const childPid = await waitFor(`${name}'s child pid file`, () => {
          try {
            return Number(readFileSync(path.join(dir, `${name}-child.pid`), "utf8").trim()) || undefined;
          } catch {
            return undefined;
          }
        });
        expect(processEntry(childPid)?.pgid, `${name}'s child is in ${name}'s group`).toBe(status.pid);

        const response = await ask(supd.socket, { cmd: "stop", name });
        expect(response, `supd's answer to stop ${name}`).toMatchObject({ ok: true });
        const after = await statusOf(supd.socket, name);
        expect(after.state, "stop answers once the program is STOPPED").toBe("STOPPED");
        expect(alive(status.pid!), `${name} (pid ${status.pid}) is gone`).toBe(false);
        expect(alive(childPid), `${name}'s child (pid ${childPid}) in its group is gone too`).toBe(false);
        expect(groupMembers(status.pid!), `nothing is left in ${name}'s process group`).toEqual([]);
        const states = after.history.map((e) => e.state);
        expect(states.slice(-2)).toEqual(["STOPPING", "STOPPED"]);
      }
      const politeLog = await waitFor("polite's log to hold both goodbyes", () => {
        const text = readLog(dir, "polite");
        return text.includes("got TERM") && text.includes("child got TERM") ? text : undefined;
      });
      expect(politeLog, "polite got SIGTERM (stopSignal) before anything harsher").toContain("got TERM");
      expect(politeLog, "polite's child got SIGTERM too: the signal goes to the whole group, -pgid").toContain("child got TERM");
      const stubborn = await statusOf(supd.socket, "stubborn");
      expect(stubborn.history[stubborn.history.length - 1]?.exit, "stubborn ended by SIGKILL after its stop timeout").toBe("signal SIGKILL");
    },
    TEST_MS,
  );
});
