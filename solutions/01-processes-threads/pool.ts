// A pool of worker threads that count primes in parallel.
//
// Each worker is a real kernel thread (an LWP) in this process, scheduled by
// the kernel on whatever core is free, so CPU-bound work spread over N
// workers can run up to N times faster on N cores. The main thread only
// hands out chunks and waits, without using CPU: it awaits a message, it
// never polls for one.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Worker, type WorkerOptions } from "node:worker_threads";
import { splitRange, type Chunk, type FromWorker, type ToWorker } from "./chunks";

/** What one worker computed. */
export interface ChunkResult {
  chunk: Chunk;
  /** the kernel thread id of the worker that counted this chunk */
  tid: number;
  primes: number;
}

export interface ParallelCount {
  /** primes in the whole range */
  primes: number;
  /** one entry per worker, in range order */
  chunks: ChunkResult[];
}

export interface PrimePool {
  readonly size: number;
  /** the kernel thread ids of the workers, as each worker read it from /proc/thread-self */
  readonly tids: readonly number[];
  /** Count the primes in [from, to), one chunk per worker. One call at a time. */
  countPrimes(from: number, to: number): Promise<ParallelCount>;
  /** Terminate every worker; resolves when all have exited. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Start a worker thread that runs a TypeScript file. Given code: you do not
 * need to change it.
 *
 * Node 20 runs only JavaScript in a worker, so the worker first installs
 * tsx's require hook, which compiles the .ts file (and what it imports) as it
 * loads, on the worker's own thread. ESBUILD_WORKER_THREADS=0 stops esbuild
 * from starting a compiler thread of its own, so each worker adds exactly
 * one thread to the process.
 */
export function startTsWorker(file: string, options: WorkerOptions = {}): Worker {
  const script = path.resolve(file);
  if (!existsSync(script)) throw new Error(`no worker script at ${script}: check the path you passed`);
  let tsxHook: string;
  try {
    tsxHook = createRequire(script).resolve("tsx/cjs/api");
  } catch {
    throw new Error(`cannot find the "tsx" package from ${script}: run "npm install" in the course folder`);
  }
  const bootstrap = `require(${JSON.stringify(tsxHook)}).register();\nrequire(${JSON.stringify(script)});\n`;
  return new Worker(bootstrap, { ...options, eval: true, env: { ...process.env, ESBUILD_WORKER_THREADS: "0" } });
}

/**
 * The next message from `worker`, or a rejection if it fails or exits first.
 * Listeners are removed either way, so nothing piles up on the worker.
 */
function nextMessage(worker: Worker, doing: string): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    const onMessage = (message: FromWorker): void => {
      settle();
      resolve(message);
    };
    const onError = (err: Error): void => {
      settle();
      reject(new Error(`a worker failed while ${doing}: ${err.message}`));
    };
    const onExit = (code: number): void => {
      settle();
      reject(new Error(`a worker exited (code ${code}) while ${doing}`));
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}

class WorkerPrimePool implements PrimePool {
  private closed = false;
  private busy = false;
  /** Why the pool cannot count any more: a worker has exited. */
  private broken: string | undefined;

  constructor(
    private readonly workers: Worker[],
    readonly tids: readonly number[],
  ) {
    // A worker that dies while idle would never answer the next request.
    workers.forEach((worker, i) =>
      worker.once("exit", (code) => {
        this.broken ??= `the worker with TID ${tids[i]} exited (code ${code})`;
      }),
    );
  }

  get size(): number {
    return this.workers.length;
  }

  async countPrimes(from: number, to: number): Promise<ParallelCount> {
    if (this.closed) throw new Error("this pool is closed; start a new one");
    if (this.broken) throw new Error(`this pool cannot count any more: ${this.broken}; close it and start a new one`);
    if (this.busy) throw new Error("this pool is already counting; await the first call before starting another");
    const chunks = splitRange(from, to, this.workers.length);
    this.busy = true;
    try {
      // Listen before sending, so a fast answer cannot be missed.
      const replies = this.workers.map((worker, i) => {
        const reply = nextMessage(worker, `counting primes in [${chunks[i]!.from}, ${chunks[i]!.to})`);
        const request: ToWorker = { type: "count", chunk: chunks[i]! };
        worker.postMessage(request);
        return reply;
      });
      const results: ChunkResult[] = [];
      for (const message of await Promise.all(replies)) {
        if (message.type !== "counted") throw new Error(`a worker answered "${message.type}" instead of "counted"`);
        results.push({ chunk: message.chunk, tid: message.tid, primes: message.primes });
      }
      return { primes: results.reduce((sum, r) => sum + r.primes, 0), chunks: results };
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // terminate() stops the worker's isolate and resolves once its thread has exited.
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/**
 * Start `size` worker threads running `workerFile` (a worker that speaks the
 * protocol in ./chunks, such as ./prime-worker.ts). Resolves once every worker
 * has said hello with its TID. If any fails to start, the others are
 * terminated and the promise rejects.
 */
export async function startPrimePool(size: number, workerFile: string): Promise<PrimePool> {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(`a pool needs a whole number of workers, at least 1, not ${String(size)}`);
  }
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < size; i++) {
      const worker = startTsWorker(workerFile);
      // An error with nobody listening would crash the whole process; record
      // nothing here, since nextMessage reports errors to whoever waits.
      worker.on("error", () => undefined);
      workers.push(worker);
    }
    const hellos = await Promise.all(workers.map((worker) => nextMessage(worker, "starting up")));
    const tids = hellos.map((message) => {
      if (message.type !== "hello") throw new Error(`a worker's first message was "${message.type}", not "hello"`);
      return message.tid;
    });
    return new WorkerPrimePool(workers, tids);
  } catch (err) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw err;
  }
}

/** Start a pool, count the primes in [from, to), and close the pool, even when counting fails. */
export async function countPrimesParallel(from: number, to: number, options: { workers: number; workerFile: string }): Promise<ParallelCount> {
  const pool = await startPrimePool(options.workers, options.workerFile);
  try {
    return await pool.countPrimes(from, to);
  } finally {
    await pool.close();
  }
}
