// Lab 01 tests: listThreads and currentTid, checked against the kernel's own
// view in /proc.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { currentTid, listThreads, NoSuchProcessError, type ThreadInfo } from "@impl/01-processes-threads/threads";
import { startTsWorker } from "@impl/01-processes-threads/pool";
import { expectThrows, impl, readLine, spawnTracked, waitFor, waitForExit, withTimeout } from "../../../course/testkit";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

function kernelTids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`)
    .map(Number)
    .sort((a, b) => a - b);
}

// A child with two worker threads: one spins (burns CPU), one sleeps in
// Atomics.wait. Each reports its TID; then the main thread renames itself,
// which changes only the main thread's comm, and prints the TIDs as JSON.
const childScript = `
const { Worker } = require("node:worker_threads");
const body = (work) => \`
  const { parentPort } = require("node:worker_threads");
  parentPort.postMessage(require("node:fs").readlinkSync("/proc/thread-self"));
  \${work}\`;
const start = (work) => new Promise((resolve) => {
  new Worker(body(work), { eval: true }).once("message", (link) => resolve(Number(link.split("/")[2])));
});
Promise.all([
  start("for (;;) {}"),
  start("Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);"),
]).then(([spinner, sleeper]) => {
  process.title = "t01-main";
  console.log(JSON.stringify({ spinner, sleeper }));
});
`;

const hasPython3 = spawnSync("python3", ["-c", ""]).status === 0;
const pythonChurn = `
import threading, time
print("ready", flush=True)
while True:
    batch = [threading.Thread(target=int) for _ in range(4)]
    for t in batch: t.start()
    for t in batch: t.join()
    time.sleep(0.001)
`;
// Four chains of workers that exit at once and are replaced at once.
const nodeChurn = `
const { Worker } = require("node:worker_threads");
const again = () => new Worker("", { eval: true }).once("exit", again);
for (let i = 0; i < 4; i++) again();
console.log("ready");
`;

describe("listThreads", () => {
  it("lists this process's threads, sorted by TID, the main thread's TID being the PID", () => {
    const threads = listThreads("self");
    expect(threads.map((t) => t.tid)).toEqual(kernelTids(process.pid));
    // The main thread's TID is the PID. (Not necessarily the lowest TID:
    // ids wrap around at pid_max and are reused.)
    expect(threads.map((t) => t.tid)).toContain(process.pid);
    // Node always runs more threads than the main one: V8's platform workers and others.
    expect(threads.length).toBeGreaterThan(1);
    expect(listThreads(process.pid).map((t) => t.tid)).toEqual(kernelTids(process.pid));
  });

  it("reads each thread's own comm, state and CPU time from /proc/<pid>/task/<tid>/stat", async () => {
    const child = spawnTracked(process.execPath, ["-e", childScript]);
    const line = await readLine(child.stdout!, "the child to start its spinning and sleeping workers", {
      pattern: /^\{/,
    });
    const { spinner, sleeper } = JSON.parse(line) as { spinner: number; sleeper: number };
    const pid = child.pid!;

    const threads = listThreads(pid);
    expect(threads.map((t) => t.tid)).toEqual(kernelTids(pid));
    const byTid = (list: ThreadInfo[], tid: number): ThreadInfo | undefined => list.find((t) => t.tid === tid);
    // process.title renamed the main thread only. The workers keep their own
    // names ("node" in Node 20, which newer versions replace with their own).
    const ownComm = (tid: number): string => readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
    expect(byTid(threads, pid)?.comm).toBe("t01-main");
    for (const worker of [spinner, sleeper]) {
      expect(byTid(threads, worker)?.comm).toBe(ownComm(worker));
      expect(byTid(threads, worker)?.comm).not.toBe("t01-main");
    }

    // A thread blocked in Atomics.wait sleeps (S) in the kernel.
    await waitFor("the sleeping worker to show state S", () => byTid(listThreads(pid), sleeper)?.state === "S");
    // Each thread has its own CPU clock: the spinner's grows, the sleeper's does not.
    await waitFor("the spinning worker's CPU time to pull 20 ticks ahead of the sleeping worker's", () => {
      const now = listThreads(pid);
      const spin = byTid(now, spinner);
      const sleep = byTid(now, sleeper);
      return spin !== undefined && sleep !== undefined && spin.cpuTicks >= sleep.cpuTicks + 20;
    });
    const sleepy = byTid(listThreads(pid), sleeper)!;
    expect(sleepy.cpuTicks).toBeGreaterThanOrEqual(0);
    expect(sleepy.cpuTicks).toBeLessThan(1_000_000);
    child.kill("SIGKILL");
    await waitForExit(child);
  });

  it("keeps working while threads come and go (a thread may exit between readdir and read)", async () => {
    // A child that starts and ends threads all the time. Python's threads are
    // cheap, a few thousand a second; without python3, Node workers churn slower.
    const child = hasPython3 ? spawnTracked("python3", ["-c", pythonChurn]) : spawnTracked(process.execPath, ["-e", nodeChurn]);
    await readLine(child.stdout!, "the churning child to start", { pattern: /ready/ });
    const pid = child.pid!;
    for (let i = 0; i < 1000; i++) {
      const tids = listThreads(pid).map((t) => t.tid);
      expect(tids).toContain(pid);
    }
    child.kill("SIGKILL");
    await waitForExit(child);
  });

  it("reports a pid with no process clearly", async () => {
    const child = spawnTracked(process.execPath, ["-e", ""]);
    await waitForExit(child);
    const gone = child.pid!; // exited and reaped: no /proc entry any more
    const error = expectThrows(() => listThreads(gone), NoSuchProcessError, "listThreads(gone)");
    expect(error.pid).toBe(gone);
    expect((error as Error).message).toContain(String(gone));
  });

  it("rejects an argument that is not a pid", () => {
    expect(() => listThreads(0)).toThrow(/pid/);
    expect(() => listThreads(-3)).toThrow(/pid/);
    expect(() => listThreads(2.5)).toThrow(/pid/);
  });
});

describe("currentTid", () => {
  it("in the main thread, the TID is the process id", () => {
    expect(currentTid()).toBe(process.pid);
  });

  it("in a worker thread, it is that thread's own TID, alive in /proc/<pid>/task", async () => {
    const worker = startTsWorker(path.join(fixtures, "tid-worker.ts"), {
      workerData: { threadsModule: impl("01-processes-threads/threads.ts") },
    });
    try {
      const message = await withTimeout(
        "the worker to report its TID",
        new Promise<{ reported: number | string; kernel: string }>((resolve, reject) => {
          worker.once("message", resolve);
          worker.once("error", reject);
        }),
      );
      const kernelTid = Number(message.kernel.split("/")[2]);
      expect(message.reported).toBe(kernelTid);
      expect(message.reported).not.toBe(process.pid);
      // While the worker lives, its thread is one of ours.
      expect(existsSync(`/proc/${process.pid}/task/${kernelTid}`), `TID ${kernelTid} is not a thread of this process (/proc/${process.pid}/task)`).toBe(true);
      expect(readFileSync(`/proc/${process.pid}/task/${kernelTid}/status`, "utf8")).toMatch(new RegExp(`^Tgid:\\s+${process.pid}$`, "m"));
    } finally {
      await worker.terminate();
    }
  });
});
