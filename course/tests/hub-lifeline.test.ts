// The test hub's lifeline: when the process that started a hub dies without stopping it, what the
// hub started is killed and its folder removed. (Any user can run this: a process group stands
// in for the hub, and there are no learners' accounts.)
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TestHubProcesses } from "../hub/harness";
import { courseRoot } from "../foundation/layout";
import { signalQuietly } from "../foundation/processes";
import { isAlive, readLine, tsNodeArgs, waitFor } from "../testkit";

const started: number[] = [];
afterAll(() => {
  for (const pid of started) signalQuietly(-pid, "SIGKILL");
});

describe("a test hub's lifeline", () => {
  it("kills the hub command's group and removes its folder when the process that started it is SIGKILLed", async () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), "course-hub-lifeline-test-"));
    try {
      const stateDir = path.join(scratch, "state");
      mkdirSync(stateDir);
      // Stands in for `npm run hub`: the leader of a group of its own.
      const command = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
      started.push(command.pid!);
      const hub: TestHubProcesses = { commandPid: command.pid, stateDir, scratch, learners: [] };
      // Stands in for the test process: starts the lifeline, says so, then waits to be killed.
      const starter = `const { startLifeline } = await import(${JSON.stringify(path.join(courseRoot, "course", "hub", "harness.ts"))});
        const lifeline = startLifeline(${JSON.stringify(hub)});
        console.log("lifeline " + lifeline.pid);
        setInterval(() => {}, 1000);`;
      const parent = spawn(process.execPath, [...tsNodeArgs, "--input-type=module", "-e", starter], { detached: true, stdio: ["ignore", "pipe", "inherit"] });
      started.push(parent.pid!);
      const lifelinePid = Number((await readLine(parent.stdout, "the lifeline to start", { pattern: /^lifeline \d+$/, timeoutMs: 30_000 })).split(" ")[1]);
      started.push(lifelinePid);
      expect(isAlive(command.pid!), "the stand-in hub runs while its starter does").toBe(true);

      signalQuietly(parent.pid!, "SIGKILL");
      await waitFor("the lifeline to kill the hub's group", () => !isAlive(command.pid!), { timeoutMs: 30_000 });
      await waitFor("the lifeline to remove the hub's folder", () => !existsSync(scratch), { timeoutMs: 30_000 });
      await waitFor("the lifeline to exit", () => !isAlive(lifelinePid), { timeoutMs: 30_000 });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
