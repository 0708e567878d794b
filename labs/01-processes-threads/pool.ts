// Lab 01, part 4: a pool of worker threads that count primes in parallel.
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
 * Start `size` worker threads running `workerFile` (a worker that speaks the
 * protocol in ./chunks, such as ./prime-worker.ts). Resolves once every worker
 * has said hello with its TID. If any fails to start, the others are
 * terminated and the promise rejects.
 */
export async function startPrimePool(size: number, workerFile: string): Promise<PrimePool> {
  // TODO:
  // - A size that is not a whole number ≥ 1: throw a RangeError that says
  //   "number of workers".
  // - Start `size` workers with startTsWorker(workerFile) and wait for each
  //   one's "hello": that is where its TID comes from.
  // - Wait with events, never by polling: a worker emits "message", "error"
  //   (an uncaught exception in it) and "exit". A promise that settles on the
  //   first of the three, and removes its listeners, is the useful tool here.
  // - Give every worker an "error" listener from the start: an "error" event
  //   that nobody listens to crashes the whole process.
  // - If a worker fails before its hello, terminate() every worker and reject.
  // - Return an object with size, tids, countPrimes and close:
  //   countPrimes(from, to): splitRange into one chunk per worker, post each
  //   worker a { type: "count", chunk }, await every "counted" reply, and
  //   return the total with one ChunkResult per worker. A worker that fails
  //   must reject the call, not hang it.
  //   close(): terminate() every worker and wait until all have exited.
  throw new Error("TODO: startPrimePool is not written yet");
}

/** Start a pool, count the primes in [from, to), and close the pool, even when counting fails. */
export async function countPrimesParallel(from: number, to: number, options: { workers: number; workerFile: string }): Promise<ParallelCount> {
  // TODO: startPrimePool, then countPrimes, then close, whatever happens.
  throw new Error("TODO: countPrimesParallel is not written yet");
}
