// Chapter 11: the lab's supd against supervisord, the supervisor it is modelled on.
//
// 1. Restart: a RUNNING program is killed with SIGKILL; the clock runs from the
//    kill until the supervisor's new child appears in /proc/<supervisor>/task/*/children.
//    ratio = supervisord's median / supd's median; goal 1 (restarts at least as fast).
// 2. Status: one status request with 50 programs over each one's Unix socket:
//    supd's framed JSON `status` against supervisord's XML-RPC
//    `supervisor.getAllProcessInfo` (HTTP over its unix_http_server socket),
//    both from this process, so no client start-up is counted.
//    ratio = supervisord's median / supd's median; goal 1.
// Skipped, with the reason, when `supervisord` is not on PATH (Debian: apt install supervisor).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { request } from "../../solutions/11-supervisor/client";
import { courseRoot } from "../foundation/layout";
import { childrenOf as childEntries } from "../foundation/proc";
import type { Benchmark, BenchResult } from "./types";

const PROGRAMS = 50;
const STATUS_ROUNDS = 200;
const RESTART_ROUNDS = 15;

const tsxLoader = pathToFileURL(createRequire(path.join(courseRoot, "package.json")).resolve("tsx")).href;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Live children of `pid` (zombies left out: they are dead, only not yet reaped). */
function childrenOf(pid: number): number[] {
  return childEntries(pid)
    .filter((child) => child.state !== "Z")
    .map((child) => child.pid);
}

/** SIGKILL `victim`, then spin until a new child of `supervisor` appears: ms. */
async function restartOnce(supervisor: number, victim: number): Promise<number> {
  const before = new Set(childrenOf(supervisor));
  const start = performance.now();
  process.kill(victim, "SIGKILL");
  for (;;) {
    if (childrenOf(supervisor).some((pid) => !before.has(pid))) return performance.now() - start;
    if (performance.now() - start > 10_000) throw new Error("bench: no restart within 10 s");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface Peer {
  pid: number;
  status(): Promise<unknown>;
  /** The pid of program `name` once it is RUNNING. */
  runningPid(name: string): Promise<number>;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
}

async function startSupd(dir: string, programs: Record<string, unknown>): Promise<Peer> {
  const config = path.join(dir, "supd.json");
  writeFileSync(config, JSON.stringify({ socket: "supd.sock", logDir: "logs", programs }));
  const child = spawn(process.execPath, ["--import", tsxLoader, path.join(courseRoot, "solutions/11-supervisor/supd.ts"), "--config", config, "--foreground"], {
    stdio: "ignore",
  });
  const socket = path.join(dir, "supd.sock");
  const status = async () => {
    const response = await request(socket, { cmd: "status" });
    if (!response.ok || !response.programs) throw new Error("bench: supd refused status");
    return response.programs;
  };
  await until("supd to run every program", async () => {
    try {
      return (await status()).every((p) => p.state === "RUNNING") ? true : undefined;
    } catch {
      return undefined;
    }
  });
  return {
    pid: child.pid!,
    status,
    runningPid: (name) =>
      until(`supd's ${name} to be RUNNING`, async () => (await status()).find((p) => p.name === name && p.state === "RUNNING")?.pid ?? undefined),
    stop: async () => {
      child.kill("SIGTERM");
      await exited(child);
    },
  };
}

function xmlRpc(socketPath: string, method: string, params: string[] = []): Promise<string> {
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params.map((p) => `<param><value><string>${p}</string></value></param>`).join("")}</params></methodCall>`;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path: "/RPC2", method: "POST", headers: { "Content-Type": "text/xml", "Content-Length": Buffer.byteLength(body) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve(text));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function startSupervisord(dir: string, programs: Record<string, string>): Promise<Peer> {
  const socket = path.join(dir, "sv.sock");
  const sections = Object.entries(programs).map(
    ([name, command]) => `[program:${name}]\ncommand=${command}\nautorestart=true\nstartsecs=0\nstdout_logfile=${dir}/${name}.log\nredirect_stderr=true\n`,
  );
  const config = path.join(dir, "supervisord.conf");
  writeFileSync(
    config,
    `[unix_http_server]\nfile=${socket}\nchmod=0700\n\n[supervisord]\nnodaemon=true\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n${process.getuid?.() === 0 ? "user=root\n" : ""}\n` +
      `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n${sections.join("\n")}`,
  );
  const child = spawn("supervisord", ["-c", config], { stdio: "ignore" });
  const status = () => xmlRpc(socket, "supervisor.getAllProcessInfo");
  await until("supervisord to run every program", async () => {
    try {
      const text = await status();
      return (text.match(/<string>RUNNING<\/string>/g) ?? []).length === Object.keys(programs).length ? true : undefined;
    } catch {
      return undefined;
    }
  });
  return {
    pid: child.pid!,
    status,
    runningPid: (name) =>
      until(`supervisord's ${name} to be RUNNING`, async () => {
        const text = await xmlRpc(socket, "supervisor.getProcessInfo", [name]);
        const pid = /<name>pid<\/name>\s*<value><int>(\d+)<\/int>/.exec(text)?.[1];
        return text.includes("<string>RUNNING</string>") && pid !== undefined && pid !== "0" ? Number(pid) : undefined;
      }),
    stop: async () => {
      child.kill("SIGTERM");
      await exited(child);
    },
  };
}

async function timeStatus(peer: Peer): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < STATUS_ROUNDS; i++) {
    const start = performance.now();
    await peer.status();
    times.push(performance.now() - start);
  }
  return median(times);
}

async function timeRestarts(peer: Peer): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RESTART_ROUNDS; i++) times.push(await restartOnce(peer.pid, await peer.runningPid("bounce")));
  return median(times);
}

const supervisordMissing = (): string | undefined =>
  spawnSync("supervisord", ["--version"], { encoding: "utf8" }).status === 0
    ? undefined
    : "supervisord is not installed here (Debian/Ubuntu: apt install supervisor)";

function names(): string[] {
  return Array.from({ length: PROGRAMS }, (_, i) => `p${String(i).padStart(2, "0")}`);
}

async function measure(kind: "status" | "restart"): Promise<BenchResult> {
  const title =
    kind === "status" ? `supd status vs supervisord getAllProcessInfo, ${PROGRAMS} programs` : "supd vs supervisord: SIGKILLed program to its new process";
  const missing = supervisordMissing();
  if (missing) return { name: title, ratio: NaN, goal: 1, details: [missing] };
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-supd-"));
  const programNames = kind === "status" ? names() : ["bounce"];
  let supd: Peer | undefined;
  let supervisord: Peer | undefined;
  try {
    supd = await startSupd(dir, Object.fromEntries(programNames.map((n) => [n, { command: "sleep", args: ["1000"], startMs: 0 }])));
    supervisord = await startSupervisord(dir, Object.fromEntries(programNames.map((n) => [n, "sleep 1000"])));
    // Alternate the two, twice, so drifting load hits both alike.
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let round = 0; round < 2; round++) {
      ours.push(kind === "status" ? await timeStatus(supd) : await timeRestarts(supd));
      theirs.push(kind === "status" ? await timeStatus(supervisord) : await timeRestarts(supervisord));
    }
    const a = median(ours);
    const b = median(theirs);
    return {
      name: title,
      ratio: b / a,
      goal: 1,
      details: [`supd: ${a.toFixed(2)} ms (median)`, `supervisord: ${b.toFixed(2)} ms (median)`],
    };
  } finally {
    await supd?.stop();
    await supervisord?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const benchmarks: Benchmark[] = [
  { id: "11-supervisor-restart", run: () => measure("restart") },
  { id: "11-supervisor-status", run: () => measure("status") },
];
