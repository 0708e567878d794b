// Shared by the lab 11 tests: run the real supd and supctl as child processes,
// talk to supd over its socket, and read the kernel's view of what is left.
import type { ChildProcess, SpawnOptions } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "@impl/11-supervisor/client";
import type { ProgramStatus, Request, Response } from "@impl/11-supervisor/protocol";
import {
  impl,
  processEntry,
  processTable,
  readAll,
  readLine,
  spawnTracked,
  trackPid,
  tsNodeArgs,
  waitFor,
  waitForExit,
  type ExitStatus,
} from "../../../course/testkit";

export const SUPD = impl("11-supervisor/supd.ts");
export const SUPCTL = impl("11-supervisor/supctl.ts");
export const WALL_CLOCK_JUMPS = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "wall-clock-jumps.ts");

/** Starting Node with a TypeScript loader takes seconds on a loaded machine: be generous. */
export const SLOW = 30_000;
export const TEST_MS = 60_000;

/** A program entry that runs a shell script. */
export function sh(script: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { command: "sh", args: ["-c", script], ...fields };
}

/** Write `dir/supd.json` (socket, pid file and logs in `dir`) and return its path. */
export function writeConfig(dir: string, programs: Record<string, unknown>, top: Record<string, unknown> = {}): string {
  const file = path.join(dir, "supd.json");
  writeFileSync(file, JSON.stringify({ socket: "supd.sock", pidFile: "supd.pid", logDir: "logs", programs, ...top }, null, 2));
  return file;
}

export interface RunningSupd {
  child: ChildProcess;
  pid: number;
  socket: string;
  pidFile: string;
  stderr: () => string;
}

/** Start `supd --config FILE --foreground` and wait for its ready line. */
export async function startSupd(config: string, { nodeArgs = [], spawn = {} }: { nodeArgs?: string[]; spawn?: SpawnOptions } = {}): Promise<RunningSupd> {
  const child = spawnTracked(process.execPath, [...tsNodeArgs, ...nodeArgs, SUPD, "--config", config, "--foreground"], spawn);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await readLine(child.stdout!, "supd's line 'supd: ready ...' on stdout", { pattern: /ready/, timeoutMs: SLOW });
  } catch (err) {
    throw new Error(`supd did not get ready (${(err as Error).message}); its stderr:\n${stderr || "(empty)"}`, { cause: err });
  }
  child.stdout?.resume();
  const dir = path.dirname(config);
  return { child, pid: child.pid!, socket: path.join(dir, "supd.sock"), pidFile: path.join(dir, "supd.pid"), stderr: () => stderr };
}

/** Run supd expecting it to exit at once (a refusal): its exit status and output. */
export async function runSupdToExit(config: string): Promise<ExitStatus & { stdout: string; stderr: string }> {
  const child = spawnTracked(process.execPath, [...tsNodeArgs, SUPD, "--config", config, "--foreground"]);
  const [stdout, stderr, status] = await Promise.all([
    readAll(child.stdout!, "supd's stdout to end", SLOW),
    readAll(child.stderr!, "supd's stderr to end", SLOW),
    waitForExit(child, "supd to exit (it should refuse to start)", SLOW),
  ]);
  return { ...status, stdout, stderr };
}

/** Run `supd --config FILE` (daemon mode) to the end of its launcher: exit status, output, and the daemon's pid from the pid file. */
export async function launchDaemon(config: string): Promise<ExitStatus & { stdout: string; stderr: string; daemonPid: number | undefined }> {
  const child = spawnTracked(process.execPath, [...tsNodeArgs, SUPD, "--config", config]);
  const [stdout, stderr, status] = await Promise.all([
    readAll(child.stdout!, "supd's stdout to end", SLOW),
    readAll(child.stderr!, "supd's stderr to end", SLOW),
    waitForExit(child, "the supd launcher to exit (once the daemon is ready or has failed)", SLOW),
  ]);
  const daemonPid = readPidFile(path.join(path.dirname(config), "supd.pid"));
  // The daemon is no child of ours: kill it at cleanup even if the test fails.
  if (daemonPid !== undefined) trackPid(daemonPid);
  return { ...status, stdout, stderr, daemonPid };
}

/** The pid in a pid file, or undefined when there is none. */
export function readPidFile(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Run supctl with `args` to the end. */
export async function supctl(args: string[], spawn: SpawnOptions = {}): Promise<ExitStatus & { stdout: string; stderr: string }> {
  const child = spawnTracked(process.execPath, [...tsNodeArgs, SUPCTL, ...args], spawn);
  const [stdout, stderr, status] = await Promise.all([
    readAll(child.stdout!, "supctl's stdout to end", SLOW),
    readAll(child.stderr!, "supctl's stderr to end", SLOW),
    waitForExit(child, `supctl ${args.join(" ")} to exit`, SLOW),
  ]);
  return { ...status, stdout, stderr };
}

export async function ask(socket: string, req: Request): Promise<Response> {
  return request(socket, req, { timeoutMs: SLOW });
}

export async function statusOf(socket: string, name: string): Promise<ProgramStatus> {
  const response = await ask(socket, { cmd: "status" });
  if (!response.ok) throw new Error(`supd refused status: ${response.error}`);
  const found = response.programs?.find((p) => p.name === name);
  if (!found) throw new Error(`supd's status has no program "${name}"`);
  return found;
}

/** Poll supd's status until `name` satisfies `test`. */
export function waitForProgram(socket: string, name: string, what: string, test: (p: ProgramStatus) => boolean, timeoutMs = SLOW): Promise<ProgramStatus> {
  return waitFor(
    `${name} to be ${what} in supd's status`,
    async () => {
      const status = await statusOf(socket, name);
      return test(status) ? status : undefined;
    },
    { timeoutMs, intervalMs: 50 },
  );
}

/** The text of `dir/logs/<name>.log` ("" while it does not exist). */
export function readLog(dir: string, name: string): string {
  try {
    return readFileSync(path.join(dir, "logs", `${name}.log`), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw err;
  }
}

/** Whether `pid` is a live (non-zombie) process. */
export function alive(pid: number): boolean {
  const entry = processEntry(pid);
  return entry !== undefined && entry.state !== "Z";
}

/** Live members of process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  return processTable()
    .filter((entry) => entry.pgid === pgid && entry.state !== "Z")
    .map((entry) => entry.pid);
}

/** How long `pid` has existed, in ms, from /proc (start time in clock ticks vs uptime). */
export function ageMs(pid: number): number {
  const startTicks = processEntry(pid)?.startTicks ?? 0;
  const uptimeSeconds = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  return uptimeSeconds * 1000 - (startTicks * 1000) / 100;
}
