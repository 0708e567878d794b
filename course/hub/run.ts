// Start JupyterHub from the state folder, wait until it answers, and stop it with everything
// it started: the proxy and every learner's server (JupyterHub starts those in sessions of their
// own, so a signal to the hub's process group alone would not reach them).
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { descendantsOf, isRunning, processTable } from "../foundation/proc";
import type { HubState } from "./state";

export interface RunningHub {
  child: ChildProcess;
  url: string;
  /** Resolves with the hub's exit code (or 1 after a signal). */
  exited: Promise<number>;
}

/** Start jupyterhub in a process group of its own; its output goes to ours. */
export function startHub(state: HubState): RunningHub {
  const child = spawn("jupyterhub", ["--config", state.configFile], { cwd: state.dir, detached: true, stdio: ["ignore", "inherit", "inherit"] });
  const exited = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? (signal !== null ? 1 : 0)));
    child.on("error", () => resolve(1));
  });
  const host = state.settings.ip === "0.0.0.0" ? "127.0.0.1" : state.settings.ip;
  return { child, url: `http://${host}:${state.settings.port}`, exited };
}

/** Wait until the hub's API answers through the proxy, or the hub exits, or `timeoutMs` passes. */
export async function waitUntilServing(hub: RunningHub, timeoutMs: number): Promise<void> {
  let exitCode: number | undefined;
  void hub.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`jupyterhub exited (code ${exitCode}) before it served; its messages are above`);
    try {
      const response = await fetch(`${hub.url}/hub/api/`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`jupyterhub did not answer at ${hub.url}/hub/api/ within ${timeoutMs / 1000} s`);
}

/** The owner uid of a live process (its /proc entry's owner), or undefined once it is gone. */
function ownerOf(pid: number): number | undefined {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined;
  }
}

/** Every process of these uids: the learners' servers, kernels, terminals, and what they started. */
export function learnersProcesses(uids: ReadonlySet<number>): number[] {
  return processTable()
    .filter((entry) => entry.state !== "Z")
    .map((entry) => entry.pid)
    .filter((pid) => {
      const uid = ownerOf(pid);
      return uid !== undefined && uids.has(uid);
    });
}

function proxyPid(state: HubState): number | undefined {
  try {
    const pid = Number(readFileSync(`${state.dir}/proxy.pid`, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
};

async function waitGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isRunning);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    alive = alive.filter(isRunning);
  }
  return alive;
}

/**
 * Stop the hub: SIGTERM lets JupyterHub stop each learner's server and the proxy itself; then
 * whatever is still there (the hub's group, the proxy, any process of a learner's uid) is killed.
 * Returns what had to be killed, for the record.
 */
export async function stopHub(hub: RunningHub, state: HubState, learnerUids: ReadonlySet<number>): Promise<string[]> {
  const hubPid = hub.child.pid;
  const started = hubPid === undefined ? [] : descendantsOf(hubPid).map((e) => e.pid);
  const proxy = proxyPid(state);
  if (hubPid !== undefined && isRunning(hubPid)) {
    signal(hubPid, "SIGTERM");
    await Promise.race([hub.exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  }
  const killed: string[] = [];
  if (hubPid !== undefined) {
    try {
      process.kill(-hubPid, "SIGKILL"); // the hub's own group: anything it started without a new session
      killed.push(`process group ${hubPid}`);
    } catch {
      // the group is empty: nothing left
    }
  }
  const leftovers = [...started, ...(proxy === undefined ? [] : [proxy]), ...learnersProcesses(learnerUids)].filter(
    (pid) => pid !== process.pid && isRunning(pid),
  );
  for (const pid of new Set(leftovers)) {
    signal(pid, "SIGKILL");
    killed.push(`pid ${pid}`);
  }
  const stubborn = await waitGone(leftovers, 10_000);
  if (stubborn.length > 0) killed.push(`still running after SIGKILL: ${stubborn.join(", ")}`);
  return killed;
}
