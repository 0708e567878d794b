// Chapter 10: the lab's two queues against what Node and Python give you.
//
// 1. Threads: SharedQueue (a ring in a SharedArrayBuffer) against a
//    MessagePort, moving the same small messages (8 bytes) from a producer
//    worker to a consumer worker. Both workers are started and ready before
//    the clock starts; the clock stops when the consumer has seen them all.
//    ratio = MessagePort time / SharedQueue time; goal 5.
// 2. Processes: the process queue (framed v8.serialize over a socket) against
//    Python's multiprocessing.Queue (pickle over a pipe, by a feeder thread),
//    each carrying the same small records from a child process to its parent.
//    Each side's clock runs from the parent's first message to its last, so
//    interpreter start-up is not counted. ratio = Python's time / ours; goal 1.
//    Skipped, with the reason, when python3 is missing.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import path from "node:path";
import { MessageChannel, Worker } from "node:worker_threads";
import { ProcessQueueReader } from "../../solutions/10-queues/process-queue";
import { SharedQueue } from "../../solutions/10-queues/shared-queue";
import { courseRoot } from "../foundation/layout";
import type { Benchmark, BenchResult } from "./types";

const THREAD_MESSAGES = 200_000;
const PROCESS_MESSAGES = 100_000;
const ROUNDS = 3;

const requireHere = createRequire(path.join(courseRoot, "package.json"));
const queueModule = path.join(courseRoot, "solutions", "10-queues", "shared-queue.ts");
const processQueueModule = path.join(courseRoot, "solutions", "10-queues", "process-queue.ts");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** A worker running `body` (CommonJS) after tsx's hook is registered, so it can require .ts files. */
function tsWorker(body: string, workerData: unknown): Worker {
  const hook = requireHere.resolve("tsx/cjs/api");
  const source = `require(${JSON.stringify(hook)}).register();\nconst { parentPort, workerData } = require("node:worker_threads");\n${body}`;
  return new Worker(source, { eval: true, workerData, env: { ...process.env, ESBUILD_WORKER_THREADS: "0" } });
}

function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

// Both workers say "ready", wait for "go", then work; the consumer says "done".
const SAB_PRODUCER = `
const { SharedQueue } = require(workerData.module);
const queue = SharedQueue.attach(workerData.buffer, workerData.capacity, workerData.slotBytes);
const message = new Uint8Array(8);
parentPort.once("message", () => {
  for (let i = 0; i < workerData.count; i++) queue.put(message);
});
parentPort.postMessage("ready");`;
const SAB_CONSUMER = `
const { SharedQueue } = require(workerData.module);
const queue = SharedQueue.attach(workerData.buffer, workerData.capacity, workerData.slotBytes);
parentPort.once("message", () => {
  for (let i = 0; i < workerData.count; i++) queue.get();
  parentPort.postMessage("done");
});
parentPort.postMessage("ready");`;
const PORT_PRODUCER = `
parentPort.once("message", (port) => {
  const message = new Uint8Array(8);
  for (let i = 0; i < workerData.count; i++) port.postMessage(message);
});
parentPort.postMessage("ready");`;
const PORT_CONSUMER = `
parentPort.once("message", (port) => {
  let seen = 0;
  port.on("message", () => {
    if (++seen === workerData.count) { parentPort.postMessage("done"); port.close(); }
  });
});
parentPort.postMessage("ready");`;

async function timeSharedQueue(): Promise<number> {
  const queue = SharedQueue.create(1024, 8);
  const data = { module: queueModule, buffer: queue.buffer, capacity: queue.capacity, slotBytes: queue.slotBytes, count: THREAD_MESSAGES };
  const workers = [tsWorker(SAB_PRODUCER, data), tsWorker(SAB_CONSUMER, data)];
  try {
    await Promise.all(workers.map(nextMessage));
    const done = nextMessage(workers[1] as Worker);
    const started = performance.now();
    for (const worker of workers) worker.postMessage("go");
    await done;
    return performance.now() - started;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

async function timeMessagePort(): Promise<number> {
  const data = { count: THREAD_MESSAGES };
  const workers = [tsWorker(PORT_PRODUCER, data), tsWorker(PORT_CONSUMER, data)];
  try {
    await Promise.all(workers.map(nextMessage));
    const { port1, port2 } = new MessageChannel();
    const done = nextMessage(workers[1] as Worker);
    const started = performance.now();
    (workers[1] as Worker).postMessage(port2, [port2]);
    (workers[0] as Worker).postMessage(port1, [port1]);
    await done;
    return performance.now() - started;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

async function threads(): Promise<BenchResult> {
  await timeSharedQueue(); // warm-up: tsx's compile cache, the JIT
  const sab: number[] = [];
  const port: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    sab.push(await timeSharedQueue());
    port.push(await timeMessagePort());
  }
  const rate = (ms: number): string => `${Math.round(THREAD_MESSAGES / (ms / 1000)).toLocaleString("en")} msg/s`;
  return {
    name: `SharedQueue vs MessagePort, ${THREAD_MESSAGES.toLocaleString("en")} messages of 8 bytes, worker to worker`,
    ratio: median(port) / median(sab),
    goal: 5,
    details: [`SharedQueue: median ${median(sab).toFixed(0)} ms (${rate(median(sab))})`, `MessagePort: median ${median(port).toFixed(0)} ms (${rate(median(port))})`],
  };
}

// The child: put PROCESS_MESSAGES records on fd 3, close (flush), exit.
const NODE_CHILD = `
const net = require("node:net");
const { ProcessQueueWriter } = require(${JSON.stringify(processQueueModule)});
const queue = new ProcessQueueWriter(new net.Socket({ fd: 3, readable: false, writable: true }));
const count = Number(process.argv[1]);
for (let i = 0; i < count; i++) queue.put({ i, name: "item" });
queue.close().then(() => process.exit(0));`;

async function timeProcessQueue(): Promise<number> {
  const hook = requireHere.resolve("tsx/cjs");
  const child = spawn(process.execPath, ["--require", hook, "-e", NODE_CHILD, String(PROCESS_MESSAGES)], { stdio: ["ignore", "inherit", "inherit", "pipe"] });
  try {
    const reader = new ProcessQueueReader(child.stdio[3] as Socket);
    await reader.get();
    const started = performance.now();
    let received = 1;
    while ((await reader.get()) !== null) received++;
    if (received !== PROCESS_MESSAGES) throw new Error(`the process queue delivered ${received} of ${PROCESS_MESSAGES} messages`);
    return performance.now() - started;
  } finally {
    child.kill();
  }
}

// Python's side, timed the same way: from the parent's first get() to its last.
const PYTHON_SCRIPT = `
import multiprocessing as mp, sys, time
def produce(q, n):
    for i in range(n):
        q.put({"i": i, "name": "item"})
if __name__ == "__main__":
    n = int(sys.argv[1])
    q = mp.Queue()
    p = mp.Process(target=produce, args=(q, n))
    p.start()
    q.get()
    started = time.perf_counter()
    for _ in range(n - 1):
        q.get()
    print((time.perf_counter() - started) * 1000)
    p.join()
`;

function timePython(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", PYTHON_SCRIPT, String(PROCESS_MESSAGES)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`python3 exited with code ${code}`))));
  });
}

async function processes(): Promise<BenchResult> {
  const name = `process queue vs Python multiprocessing.Queue, ${PROCESS_MESSAGES.toLocaleString("en")} small records, child to parent`;
  if (spawnSync("python3", ["--version"]).error !== undefined) {
    return { name, ratio: NaN, goal: 1, details: ["skipped: python3 is not installed, so there is nothing to compare with"] };
  }
  await timeProcessQueue(); // warm-up
  const ours: number[] = [];
  const python: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(await timeProcessQueue());
    python.push(await timePython());
  }
  const rate = (ms: number): string => `${Math.round(PROCESS_MESSAGES / (ms / 1000)).toLocaleString("en")} msg/s`;
  return {
    name,
    ratio: median(python) / median(ours),
    goal: 1,
    details: [`process queue: median ${median(ours).toFixed(0)} ms (${rate(median(ours))})`, `multiprocessing.Queue: median ${median(python).toFixed(0)} ms (${rate(median(python))})`],
  };
}

export const benchmarks: Benchmark[] = [
  { id: "10-queues", run: threads },
  { id: "10-queues", run: processes },
];
