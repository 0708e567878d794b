// Lab 11 tests, task "shutdown": supd leaves nothing behind.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { processEntry, tempDir, waitFor, waitForExit } from "../../../course/testkit";
import { alive, ask, groupMembers, sh, startSupd, statusOf, supctl, TEST_MS, waitForProgram, writeConfig, type RunningSupd } from "./harness";

/** Programs with children in their groups, one of which ignores SIGTERM. */
function programs(dir: string): Record<string, unknown> {
  return {
    web: sh("sleep 1000 & echo $! > web-child.pid; wait", { cwd: dir, startMs: 100 }),
    worker: sh("sleep 1000 & echo $! > worker-child.pid; wait", { cwd: dir, startMs: 100, stopSignal: "SIGINT", stopTimeoutMs: 500 }),
    stubborn: sh("trap '' TERM; sleep 1000 & echo $! > stubborn-child.pid; wait", { cwd: dir, startMs: 100, stopTimeoutMs: 300 }),
    // Started by hand (a crash loop holds up readiness): it is in BACKOFF when supd shuts down.
    crasher: sh("exit 1", { autostart: false, startMs: 20_000, startRetries: 1000, backoffMs: 50, backoffMaxMs: 50 }),
  };
}

/** Every pid supd's programs run: the leaders and their children. */
async function everyProcess(dir: string, supd: RunningSupd): Promise<number[]> {
  const pids: number[] = [];
  for (const name of ["web", "worker", "stubborn"]) {
    const status = await waitForProgram(supd.socket, name, "RUNNING", (p) => p.state === "RUNNING");
    pids.push(status.pid!);
    pids.push(
      await waitFor(`${name}'s child pid file`, () => {
        try {
          return Number(readFileSync(path.join(dir, `${name}-child.pid`), "utf8").trim()) || undefined;
        } catch {
          return undefined;
        }
      }),
    );
  }
  return pids;
}

function expectNothingLeft(supd: RunningSupd, pids: number[]): void {
  const left = pids.filter(alive);
  expect(left, "processes of supd's programs still alive after shutdown (program leaders and their children)").toEqual([]);
  for (const pid of pids) expect(groupMembers(pid), `process group ${pid}`).toEqual([]);
  expect(existsSync(supd.socket), "the control socket is removed").toBe(false);
  expect(existsSync(supd.pidFile), "the pid file is removed").toBe(false);
}

describe("shutdown", () => {
  it(
    "supctl shutdown stops every program's group (SIGKILL for the stubborn one), removes socket and pid file, exits 0",
    async () => {
      const dir = tempDir("supd-down-");
      const supd = await startSupd(writeConfig(dir, programs(dir)));
      const pids = await everyProcess(dir, supd);
      expect(await ask(supd.socket, { cmd: "start", name: "crasher" })).toMatchObject({ ok: true });
      await waitForProgram(supd.socket, "crasher", "in BACKOFF", (p) => p.state === "BACKOFF");

      const result = await supctl(["--socket", supd.socket, "shutdown"]);
      expect(result.code, `supctl shutdown (stderr: ${result.stderr})`).toBe(0);
      const exit = await waitForExit(supd.child, "supd to exit after shutdown", 30_000);
      expect(exit, "supd exits 0 after a clean shutdown").toEqual({ code: 0, signal: null });
      expectNothingLeft(supd, pids);

      const after = await supctl(["--socket", supd.socket, "status"]);
      expect(after.code, "supctl exits 3: supd is not running").toBe(3);
      expect(after.stderr).toMatch(/not running/);
    },
    TEST_MS,
  );

  it(
    "SIGTERM to supd does the same: every group stopped and reaped, nothing left",
    async () => {
      const dir = tempDir("supd-down-");
      const supd = await startSupd(writeConfig(dir, programs(dir)));
      const pids = await everyProcess(dir, supd);
      supd.child.kill("SIGTERM");
      const exit = await waitForExit(supd.child, "supd to exit after SIGTERM", 30_000);
      expect(exit, "supd exits 0 after SIGTERM").toEqual({ code: 0, signal: null });
      expectNothingLeft(supd, pids);
      const worker = readFileSync(path.join(dir, "logs", "worker.log"), "utf8");
      expect(worker, "worker.log").toBe("");
    },
    TEST_MS,
  );

  it(
    "a grandchild that leaves the group (double fork + setsid) is adopted by supd, the subreaper, and killed at stop and at shutdown",
    async () => {
      const dir = tempDir("supd-down-");
      // The program's child (node) starts `sleep` in a new session and exits at once: the
      // grandchild has left the program's group, and its parent is dead.
      const escape = (name: string): Record<string, unknown> =>
        sh(
          `"${process.execPath}" -e "const c = require('child_process').spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' }); c.unref(); require('fs').writeFileSync('${name}-escapee.pid', String(c.pid))"; exec sleep 1000`,
          { cwd: dir, startMs: 100 },
        );
      const supd = await startSupd(writeConfig(dir, { first: escape("first"), second: escape("second") }));
      const escapees: number[] = [];
      for (const name of ["first", "second"]) {
        const status = await waitForProgram(supd.socket, name, "RUNNING", (p) => p.state === "RUNNING");
        const escapee = await waitFor(`${name}'s escaped grandchild to be adopted by supd once its parent died (supd must be a child subreaper)`, () => {
          let pid: number;
          try {
            pid = Number(readFileSync(path.join(dir, `${name}-escapee.pid`), "utf8"));
          } catch {
            return undefined;
          }
          // Its parent (node) exits right after writing the file: wait for the re-parenting.
          const entry = processEntry(pid);
          return entry?.ppid === supd.pid ? pid : undefined;
        });
        const entry = processEntry(escapee)!;
        expect(entry.pgid, `${name}'s escapee left the program's group`).not.toBe(status.pid);
        escapees.push(escapee);
      }

      expect(await ask(supd.socket, { cmd: "stop", name: "first" }), "stop first").toMatchObject({ ok: true });
      expect(alive(escapees[0]!), "first's escapee is killed when first stops").toBe(false);
      expect(alive(escapees[1]!), "second's escapee is not first's: it still runs").toBe(true);

      const result = await supctl(["--socket", supd.socket, "shutdown"]);
      expect(result.code, `supctl shutdown (stderr: ${result.stderr})`).toBe(0);
      expect(await waitForExit(supd.child, "supd to exit after shutdown", 30_000)).toEqual({ code: 0, signal: null });
      for (const pid of escapees) expect(alive(pid), `escapee ${pid} after shutdown`).toBe(false);
    },
    TEST_MS,
  );

  it(
    "an escaped grandchild that exits on its own while supd runs is reaped at once: no zombie waits for a stop",
    async () => {
      const dir = tempDir("supd-down-");
      // As above, but the escapee (a new session, its parent dead, adopted by supd) ends by
      // itself once the test creates the file `go`: supd, its parent now, must reap it.
      const escapee = `while [ ! -e go ]; do sleep 0.05; done; exit 3`;
      const program = sh(
        `"${process.execPath}" -e "const c = require('child_process').spawn('sh', ['-c', '${escapee}'], { detached: true, stdio: 'ignore' }); c.unref(); require('fs').writeFileSync('escapee.pid', String(c.pid))"; exec sleep 1000`,
        { cwd: dir, startMs: 100 },
      );
      const supd = await startSupd(writeConfig(dir, { parent: program }));
      const status = await waitForProgram(supd.socket, "parent", "RUNNING", (p) => p.state === "RUNNING");
      const pid = await waitFor("the escaped grandchild to be adopted by supd once its parent died (supd must be a child subreaper)", () => {
        let pid: number;
        try {
          pid = Number(readFileSync(path.join(dir, "escapee.pid"), "utf8"));
        } catch {
          return undefined;
        }
        return processEntry(pid)?.ppid === supd.pid ? pid : undefined;
      });
      const { startTicks } = processEntry(pid)!;

      writeFileSync(path.join(dir, "go"), "");
      // Gone from /proc = reaped (a zombie stays listed, state Z, until its parent waits for
      // it). A new process may get the pid later: that one has another start time.
      await waitFor(
        `supd to reap its adopted grandchild ${pid} after it exited (a zombie of supd's stays until supd calls waitpid on it: do it at SIGCHLD, not only at stop)`,
        () => {
          const entry = processEntry(pid);
          return entry === undefined || entry.startTicks !== startTicks ? true : undefined;
        },
        { timeoutMs: 10_000 },
      );
      expect(alive(supd.pid), "supd still runs: the zombie was reaped while it runs, not by a stop").toBe(true);
      expect(await statusOf(supd.socket, "parent"), "the program itself was not disturbed").toMatchObject({ state: "RUNNING", pid: status.pid });

      const result = await supctl(["--socket", supd.socket, "shutdown"]);
      expect(result.code, `supctl shutdown (stderr: ${result.stderr})`).toBe(0);
      expect(await waitForExit(supd.child, "supd to exit after shutdown", 30_000)).toEqual({ code: 0, signal: null });
    },
    TEST_MS,
  );
});
