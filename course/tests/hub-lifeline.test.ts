// The test hub's lifeline: when the process that started a hub dies without stopping it, what the
// hub started is killed, its folder removed, and the learners' accounts it made for the test
// removed. (A process group stands in for the hub; the first test runs as any user, with no
// learners' accounts; the second, which makes one, needs root, as the hub's other tests do.)
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureAccounts, lookUp, removeAccounts } from "../hub/accounts";
import type { TestHubProcesses } from "../hub/harness";
import { courseRoot } from "../foundation/layout";
import { signalQuietly } from "../foundation/processes";
import { isAlive, readLine, tsNodeArgs, waitFor } from "../testkit";

const started: number[] = [];
afterAll(() => {
  for (const pid of started) signalQuietly(-pid, "SIGKILL");
});

/** Start a lifeline for `hub` from a stand-in test process; the pids of both. */
async function startLifelineFrom(hub: TestHubProcesses): Promise<{ starter: number; lifeline: number }> {
  // Stands in for the test process: starts the lifeline, says so, then waits to be killed.
  const starter = `const { startLifeline } = await import(${JSON.stringify(path.join(courseRoot, "course", "hub", "harness.ts"))});
    const lifeline = startLifeline(${JSON.stringify(hub)});
    console.log("lifeline " + lifeline.pid);
    setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, [...tsNodeArgs, "--input-type=module", "-e", starter], { detached: true, stdio: ["ignore", "pipe", "inherit"] });
  started.push(parent.pid!);
  const lifelinePid = Number((await readLine(parent.stdout, "the lifeline to start", { pattern: /^lifeline \d+$/, timeoutMs: 30_000 })).split(" ")[1]);
  started.push(lifelinePid);
  return { starter: parent.pid!, lifeline: lifelinePid };
}

/** A test hub's state folder, in a scratch folder of its own. */
function hubFolders(): { scratch: string; stateDir: string } {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "course-hub-lifeline-test-"));
  const stateDir = path.join(scratch, "state");
  mkdirSync(stateDir);
  return { scratch, stateDir };
}

describe("a test hub's lifeline", () => {
  it("kills the hub command's group and removes its folder when the process that started it is SIGKILLed", async () => {
    const { scratch, stateDir } = hubFolders();
    try {
      // Stands in for `npm run hub`: the leader of a group of its own.
      const command = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
      started.push(command.pid!);
      const hub: TestHubProcesses = { commandPid: command.pid, stateDir, scratch, learners: [] };
      const { starter, lifeline } = await startLifelineFrom(hub);
      expect(isAlive(command.pid!), "the stand-in hub runs while its starter does").toBe(true);

      signalQuietly(starter, "SIGKILL");
      await waitFor("the lifeline to kill the hub's group", () => !isAlive(command.pid!), { timeoutMs: 30_000 });
      await waitFor("the lifeline to remove the hub's folder", () => !existsSync(scratch), { timeoutMs: 30_000 });
      await waitFor("the lifeline to exit", () => !isAlive(lifeline), { timeoutMs: 30_000 });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  const LEARNER = "hubtest-lifeline";
  it.skipIf(process.getuid?.() !== 0)("as root, also kills the learner's processes and removes the account the hub made for the test", async () => {
    const { scratch, stateDir } = hubFolders();
    try {
      const [account] = ensureAccounts([LEARNER]);
      // Stands in for the learner's Jupyter server: a process of the learner's account.
      const server = spawn("sleep", ["300"], { uid: account!.uid, detached: true, stdio: "ignore" });
      started.push(server.pid!);
      const { starter, lifeline } = await startLifelineFrom({ commandPid: undefined, stateDir, scratch, learners: [LEARNER] });
      expect(isAlive(server.pid!), "the learner's process runs while the starter does").toBe(true);

      signalQuietly(starter, "SIGKILL");
      await waitFor("the lifeline to kill the learner's process", () => !isAlive(server.pid!), { timeoutMs: 30_000 });
      await waitFor("the lifeline to remove the learner's account", () => lookUp(LEARNER) === undefined, { timeoutMs: 30_000 });
      await waitFor("the lifeline to exit", () => !isAlive(lifeline), { timeoutMs: 30_000 });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      removeAccounts([LEARNER]);
    }
  });
});
