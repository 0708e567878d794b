// A workshop hub started the way a host starts it (npm run hub), for the hub's tests and load
// test: on loopback, a free port, its own state folder; stopped, with everything it started,
// even when the caller failed.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import path from "node:path";
import { commandOf, isRunning, processPids } from "../foundation/proc";
import { courseRoot } from "../foundation/layout";
import { signalQuietly, waitUntil } from "../foundation/processes";
import { tsNodeArgs } from "../foundation/run-typescript";
import { lookUp, removeAccounts } from "./accounts";
import { freeLoopbackPort, requireReachableForLearners } from "./preflight";
import { learnersProcesses } from "./run";

export interface TestHub {
  url: string;
  password: string;
  token: string;
  stateDir: string;
  /** The hub's own folder, removed when it stops, by stop() or by the lifeline: a browser's profile can go here. */
  scratch: string;
  log(): string;
  /** The hub's REST API with the admin token. */
  api(method: string, route: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  stop(): Promise<void>;
}

/** A folder every user can pass through (TMPDIR may be private to root). */
export const SHARED_TMP = "/tmp";

const hasRoot = (): boolean => process.getuid?.() === 0;

export async function startTestHub(learners: readonly string[], timeoutMs = 180_000): Promise<TestHub> {
  if (!hasRoot()) throw new Error("the hub's tests need root");
  // In /tmp itself, not TMPDIR: a test runner's TMPDIR may be private to root, and the learners'
  // servers must reach the template in the state folder.
  const scratch = mkdtempSync(path.join(SHARED_TMP, "course-hub-test-"));
  chmodSync(scratch, 0o755); // learners' servers read the template in the state folder
  const stateDir = path.join(scratch, "state");
  const roster = path.join(scratch, "roster.txt");
  writeFileSync(roster, `${learners.join("\n")}\n`);
  const port = await freeLoopbackPort();
  const password = `test-${Math.random().toString(36).slice(2, 12)}`;
  const child = spawn(
    process.execPath,
    [
      ...tsNodeArgs,
      path.join(courseRoot, "course", "cli", "hub.ts"),
      "--roster",
      roster,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--state",
      stateDir,
      "--password",
      password,
    ],
    {
      cwd: courseRoot,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  let exitCode: number | undefined;
  void exited.then((code) => (exitCode = code));
  const uids = new Set(uidsOf(learners));

  // If this process dies without calling stop() (killed, out of memory), the lifeline does its
  // killing: the hub runs as root, and a hub left running blocks the next run's accounts.
  const lifeline = startLifeline({ commandPid: child.pid, stateDir, scratch, learners });

  const stop = async (): Promise<void> => {
    if (exitCode === undefined && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGTERM"); // npm run hub's own shutdown: hub, proxy, servers
      } catch {
        // gone
      }
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    }
    killTestHub({ commandPid: child.pid, stateDir, scratch, learners }, uids);
    lifeline.kill("SIGKILL");
  };

  const deadline = Date.now() + timeoutMs;
  while (!output.includes("The workshop hub is running")) {
    if (exitCode !== undefined || Date.now() > deadline) {
      await stop();
      throw new Error(`npm run hub did not start (${exitCode === undefined ? "timed out" : `exit ${exitCode}`}):\n${output.slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  for (const uid of uidsOf(learners)) uids.add(uid);
  const url = `http://127.0.0.1:${port}`;
  const token = readFileSync(path.join(stateDir, "api_token"), "utf8").trim();
  return {
    url,
    password,
    token,
    stateDir,
    scratch,
    log: () => output,
    async api(method, route, body) {
      const response = await fetch(`${url}/hub/api${route}`, {
        method,
        headers: { Authorization: `token ${token}`, "Content-Type": "application/json" },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await response.text();
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch {
        // not JSON (an empty 204)
      }
      return { status: response.status, json };
    },
    stop,
  };
}

/** The uids of those of `names` that have an account now. */
function uidsOf(names: readonly string[]): number[] {
  return names.map((name) => lookUp(name)?.uid).filter((uid): uid is number => uid !== undefined);
}

/** What a test hub started, for whoever has to stop it. */
export interface TestHubProcesses {
  /** The `npm run hub` command, leader of its own process group. */
  commandPid: number | undefined;
  stateDir: string;
  scratch: string;
  learners: readonly string[];
}

/**
 * Kill whatever a test hub's command did not stop, and remove its folder: the command's group, the
 * hub and the proxy by their pid files, every process of the learners' accounts (and of `uids`),
 * and any other process that names the folder on its command line (a browser whose profile is in it).
 */
export function killTestHub(hub: TestHubProcesses, uids: ReadonlySet<number> = new Set()): void {
  if (hub.commandPid !== undefined) signalQuietly(-hub.commandPid, "SIGKILL");
  const learnerUids = new Set([...uids, ...uidsOf(hub.learners)]);
  for (const file of ["jupyterhub.pid", "proxy.pid"]) {
    try {
      const pid = Number(readFileSync(path.join(hub.stateDir, file), "utf8").trim());
      if (pid > 0 && isRunning(pid)) signalQuietly(pid, "SIGKILL");
    } catch {
      // no such file
    }
  }
  for (const pid of learnersProcesses(learnerUids)) signalQuietly(pid, "SIGKILL");
  for (const pid of processesNaming(hub.scratch)) signalQuietly(pid, "SIGKILL");
  rmSync(hub.scratch, { recursive: true, force: true });
}

/**
 * Remove the test hub's learner accounts (what the test's own cleanup does), once the processes
 * killTestHub killed are gone: userdel refuses a user with a process, and a killed one may still be
 * exiting. For the lifeline, whose test was killed before it could clean up. Waits at most `waitMs`;
 * an account it cannot remove stays, and the next run's cleanup removes it.
 */
export async function removeTestAccounts(learners: readonly string[], waitMs = 10_000): Promise<void> {
  const uids = new Set(uidsOf(learners));
  await waitUntil(() => learnersProcesses(uids).length === 0, waitMs);
  try {
    removeAccounts(learners);
  } catch {
    // A process outlived the wait: the account stays until the next run removes it.
  }
}

/** Processes other than this one whose command line names `folder` (the lifeline names it too). */
function processesNaming(folder: string): number[] {
  return processPids().filter((pid) => pid !== process.pid && commandOf(pid, Number.POSITIVE_INFINITY).includes(`${folder}${path.sep}`));
}

/**
 * Start the lifeline (lifeline.ts) with a pipe from this process as its stdin: when this process
 * ends, however it ends, the pipe closes and the lifeline kills what the hub started. It runs in a
 * group of its own, so that a kill of this process's group does not take it along; stop() kills it.
 */
export function startLifeline(hub: TestHubProcesses): ChildProcess {
  const lifeline = spawn(process.execPath, [...tsNodeArgs, path.join(courseRoot, "course", "hub", "lifeline.ts"), JSON.stringify(hub)], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  lifeline.on("error", () => undefined); // then there is only stop(), as before
  // Neither the process nor the pipe keeps this process alive.
  lifeline.unref();
  (lifeline.stdin as Socket | null)?.unref();
  return lifeline;
}

/** Why the hub's machinery tests cannot run here, or undefined when they can. */
export function whyHubTestsCannotRun(needBrowser: boolean): string | undefined {
  if (!hasRoot()) return "they run as root (they create system users and start JupyterHub); CI runs them";
  const which = (cmd: string): boolean => (process.env.PATH ?? "").split(path.delimiter).some((dir) => dir !== "" && existsSync(path.join(dir, cmd)));
  if (!which("jupyterhub")) return "JupyterHub is not installed (apt-get install jupyterhub; CI installs it)";
  try {
    requireReachableForLearners(process.execPath);
  } catch {
    return `learners could not run this Node (${process.execPath}): it lies in a folder closed to other users`;
  }
  if (needBrowser && !which("chromium")) return "Chromium is not installed (apt-get install chromium; CI installs it)";
  return undefined;
}
