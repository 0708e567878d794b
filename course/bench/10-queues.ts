// Chapter 10: the lab's two queues against what Node and Python give you.
//
// 1. Threads: the same small messages (8 bytes, 200,000 of them) from a
//    producer worker to a consumer worker, three ways: a MessagePort, the lab's
//    SharedQueue (the model answer: a lock, many producers and consumers), and
//    a tuned one-producer, one-consumer ring (fixtures/spsc-ring.ts, the same
//    put/get contract without the lock, see its header for what it changes).
//    Like with like: each producer sends a Uint8Array(8) carrying a sequence
//    byte, each consumer reads a fresh Uint8Array per message (a clone, a
//    slice) and sums that byte; every worker is started and ready, ports
//    included, before the clock starts with one "go" to each; the clock stops
//    when the consumer has seen every message (its checksum is verified).
//    ratio = MessagePort time / tuned ring time; goal 5. The model's ratio is
//    in the details, from the same rounds.
// 2. Processes: the process queue (framed v8.serialize over a socket) against
//    Python's multiprocessing.Queue (pickle over a pipe, by a feeder thread),
//    each carrying the same small records from a child process to its parent.
//    Each side's clock runs from the parent's first message to its last, so
//    interpreter start-up is not counted. ratio = Python's time / ours; goal 1.
//    Skipped, with the reason, when python3 is missing.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { MessageChannel, type TransferListItem, Worker } from "node:worker_threads";
import { ProcessQueueReader } from "../../solutions/10-queues/process-queue";
import { SharedQueue } from "../../solutions/10-queues/shared-queue";
import { SpscRing } from "./fixtures/spsc-ring";
import { courseRoot } from "../foundation/layout";
import type { Benchmark, BenchResult } from "./types";

const THREAD_MESSAGES = 200_000;
const THREAD_ROUNDS = 5;
const PROCESS_MESSAGES = 100_000;
const ROUNDS = 3;

const requireHere = createRequire(path.join(courseRoot, "package.json"));
const queueModule = path.join(courseRoot, "solutions", "10-queues", "shared-queue.ts");
const ringModule = path.join(courseRoot, "course", "bench", "fixtures", "spsc-ring.ts");
const processQueueModule = path.join(courseRoot, "solutions", "10-queues", "process-queue.ts");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** A worker running `body` (CommonJS) after tsx's hook is registered, so it can require .ts files. */
function tsWorker(body: string, workerData: unknown, transferList: TransferListItem[] = []): Worker {
  const hook = requireHere.resolve("tsx/cjs/api");
  const source = `require(${JSON.stringify(hook)}).register();\nconst { parentPort, workerData } = require("node:worker_threads");\n${body}`;
  return new Worker(source, { eval: true, workerData, transferList, env: { ...process.env, ESBUILD_WORKER_THREADS: "0" } });
}

function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

// Every worker says "ready" once set up, waits for "go", then works. Each
// message is a Uint8Array(8) whose first byte is its sequence number (mod
// 256); the consumer sums those bytes and posts the sum, the producer posts
// how often it slept (0 where nobody counts).
const QUEUE_SETUP = `
const Queue = require(workerData.module)[workerData.exportName];
const queue = Queue.attach(workerData.buffer, workerData.capacity, workerData.slotBytes);`;
const QUEUE_PRODUCER = `${QUEUE_SETUP}
const message = new Uint8Array(8);
parentPort.once("message", () => {
  for (let i = 0; i < workerData.count; i++) { message[0] = i; queue.put(message); }
  parentPort.postMessage(queue.sleeps ?? 0);
});
parentPort.postMessage("ready");`;
const QUEUE_CONSUMER = `${QUEUE_SETUP}
parentPort.once("message", () => {
  let sum = 0;
  for (let i = 0; i < workerData.count; i++) sum += queue.get()[0];
  parentPort.postMessage({ sum, sleeps: queue.sleeps ?? 0 });
});
parentPort.postMessage("ready");`;
const PORT_PRODUCER = `
const port = workerData.port;
const message = new Uint8Array(8);
parentPort.once("message", () => {
  for (let i = 0; i < workerData.count; i++) { message[0] = i; port.postMessage(message); }
  parentPort.postMessage(0);
});
parentPort.postMessage("ready");`;
const PORT_CONSUMER = `
const port = workerData.port;
let seen = 0, sum = 0;
port.on("message", (message) => {
  sum += message[0];
  if (++seen === workerData.count) { parentPort.postMessage({ sum, sleeps: 0 }); port.close(); }
});
parentPort.postMessage("ready");`;

type Channel = "MessagePort" | "SharedQueue" | "SpscRing";

/** Start a producer and a consumer for `channel`, both ready to go. */
function startPair(channel: Channel): [Worker, Worker] {
  const count = THREAD_MESSAGES;
  if (channel === "MessagePort") {
    const { port1, port2 } = new MessageChannel();
    return [tsWorker(PORT_PRODUCER, { port: port1, count }, [port1]), tsWorker(PORT_CONSUMER, { port: port2, count }, [port2])];
  }
  const queue = channel === "SharedQueue" ? SharedQueue.create(1024, 8) : SpscRing.create(1024, 8);
  const data = { module: channel === "SharedQueue" ? queueModule : ringModule, exportName: channel, buffer: queue.buffer, capacity: 1024, slotBytes: 8, count };
  return [tsWorker(QUEUE_PRODUCER, data), tsWorker(QUEUE_CONSUMER, data)];
}

/** Milliseconds from "go" to the consumer's last message, and how often the two sides slept. */
async function timeChannel(channel: Channel): Promise<{ ms: number; sleeps: number }> {
  const [producer, consumer] = startPair(channel);
  try {
    await Promise.all([nextMessage(producer), nextMessage(consumer)]);
    const done = nextMessage(consumer) as Promise<{ sum: number; sleeps: number }>;
    const sent = nextMessage(producer) as Promise<number>;
    const started = performance.now();
    producer.postMessage("go");
    consumer.postMessage("go");
    // A producer that fails rejects `sent`: stop there instead of waiting for the consumer forever.
    const received = await Promise.race([done, sent.then(() => done)]);
    const ms = performance.now() - started;
    let expected = 0;
    for (let i = 0; i < THREAD_MESSAGES; i++) expected += i & 255;
    if (received.sum !== expected) throw new Error(`${channel}: the consumer's checksum is ${received.sum}, not ${expected}: messages were lost or mixed up`);
    return { ms, sleeps: received.sleeps + (await sent) };
  } finally {
    await Promise.all([producer.terminate(), consumer.terminate()]);
  }
}

/** The median of peer / ours taken round by round: steadier when the machine's load drifts between rounds. */
function pairedRatio(peer: number[], ours: number[]): number {
  return median(peer.map((ms, round) => ms / (ours[round] ?? NaN)));
}

async function threads(): Promise<BenchResult> {
  const channels: Channel[] = ["MessagePort", "SharedQueue", "SpscRing"];
  const load = (): string =>
    `${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`;
  const loadBefore = load();
  for (const channel of channels) await timeChannel(channel); // warm-up: tsx's compile cache, the JIT
  const times: Record<Channel, number[]> = { MessagePort: [], SharedQueue: [], SpscRing: [] };
  const sleeps: number[] = [];
  for (let round = 0; round < THREAD_ROUNDS; round++) {
    for (const channel of channels) {
      const run = await timeChannel(channel);
      times[channel].push(run.ms);
      if (channel === "SpscRing") sleeps.push(run.sleeps);
    }
  }
  const port = median(times.MessagePort);
  const line = (label: string, ms: number[]): string => {
    const m = median(ms);
    const rate = Math.round(THREAD_MESSAGES / (m / 1000)).toLocaleString("en");
    return `${label}: median ${m.toFixed(0)} ms (${rate} msg/s), rounds ${ms.map((x) => x.toFixed(0)).join(" ")}`;
  };
  return {
    name: `tuned SPSC ring (goal) and the lab's SharedQueue vs MessagePort, ${THREAD_MESSAGES.toLocaleString("en")} messages of 8 bytes, worker to worker, ${THREAD_ROUNDS} rounds`,
    ratio: port / median(times.SpscRing),
    goal: 5,
    details: [
      line("MessagePort         ", times.MessagePort),
      line("SpscRing (tuned)    ", times.SpscRing),
      line("SharedQueue (model) ", times.SharedQueue),
      `model answer's ratio: ${(port / median(times.SharedQueue)).toFixed(2)}x (no goal: it takes a lock for many producers and consumers)`,
      `round by round (MessagePort / queue of the same round), median: tuned ${pairedRatio(times.MessagePort, times.SpscRing).toFixed(2)}x, model ${pairedRatio(times.MessagePort, times.SharedQueue).toFixed(2)}x`,
      `tuned ring's sleeps (Atomics.wait that slept, both sides): median ${median(sleeps)} per ${THREAD_MESSAGES.toLocaleString("en")} messages`,
      `load average (1, 5, 15 min) before: ${loadBefore}, after: ${load()}, on ${availableParallelism()} CPUs`,
    ],
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
    details: [
      `process queue: median ${median(ours).toFixed(0)} ms (${rate(median(ours))})`,
      `multiprocessing.Queue: median ${median(python).toFixed(0)} ms (${rate(median(python))})`,
    ],
  };
}

export const benchmarks: Benchmark[] = [
  { id: "10-queues", run: threads },
  { id: "10-queues", run: processes },
];
