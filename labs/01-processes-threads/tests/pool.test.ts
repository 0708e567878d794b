// Lab 01 tests: the prime pool. Its workers must be real, distinct kernel
// threads that report their own TIDs, count correctly however the range
// divides, leave no thread behind, and be waited for without burning CPU.
import { existsSync, promises as fsp, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { countPrimesParallel, startPrimePool, type ParallelCount } from "@impl/01-processes-threads/pool";
import { impl, waitFor, withTimeout } from "../../../course/testkit";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const primeWorker = impl("01-processes-threads/prime-worker.ts");
const sleepyWorker = path.join(fixtures, "sleepy-worker.ts");
const crashingWorker = path.join(fixtures, "crashing-worker.ts");
const halfStartWorker = path.join(fixtures, "half-start-worker.ts");

/** The TIDs of this process's threads, as the kernel lists them. */
function ourTids(): number[] {
  return readdirSync("/proc/self/task").map(Number);
}

/** How many times the main thread has blocked (slept) so far, from its status in /proc. */
function mainThreadSleeps(): number {
  const status = readFileSync(`/proc/self/task/${process.pid}/status`, "utf8");
  return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1]);
}

function threadCount(): number {
  return ourTids().length;
}

/** Wait until the thread count is back to `baseline`: every worker thread has really gone. */
async function backToBaseline(baseline: number, what: string): Promise<void> {
  await waitFor(`the thread count to return to ${baseline} (${what})`, () => threadCount() === baseline);
}

// The test's own primes, by a sieve: independent of the code under test.
const SIEVE_LIMIT = 200_000;
const isPrime = new Uint8Array(SIEVE_LIMIT).fill(1);
isPrime[0] = isPrime[1] = 0;
for (let i = 2; i * i < SIEVE_LIMIT; i++) {
  if (isPrime[i]) for (let j = i * i; j < SIEVE_LIMIT; j += i) isPrime[j] = 0;
}
function primesIn(from: number, to: number): number {
  let count = 0;
  for (let n = from; n < to; n++) count += isPrime[n]!;
  return count;
}

/** The chunks must tile [from, to), be counted right, and come from distinct threads. */
function checkResult(result: ParallelCount, from: number, to: number, workers: number): void {
  expect(result.primes).toBe(primesIn(from, to));
  expect(result.chunks).toHaveLength(workers);
  const chunks = [...result.chunks].sort((a, b) => a.chunk.from - b.chunk.from || a.chunk.to - b.chunk.to);
  expect(chunks[0]!.chunk.from).toBe(from);
  expect(chunks[chunks.length - 1]!.chunk.to).toBe(to);
  for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.chunk.from).toBe(chunks[i - 1]!.chunk.to);
  for (const c of chunks) expect(c.primes).toBe(primesIn(c.chunk.from, c.chunk.to));
  expect(new Set(result.chunks.map((c) => c.tid)).size).toBe(workers);
}

beforeAll(async () => {
  // The first asynchronous fs call starts libuv's threadpool (4 more threads).
  // Start it now, so it is part of every baseline below.
  await fsp.readFile("/proc/self/stat");
});

describe("primePool", () => {
  it("starts one new kernel thread per worker, each reporting its own TID", async () => {
    const baseline = threadCount();
    const before = new Set(ourTids());
    const pool = await withTimeout("startPrimePool(3) to resolve", startPrimePool(3, primeWorker), 20_000);
    try {
      expect(pool.size).toBe(3);
      expect(pool.tids).toHaveLength(3);
      expect(
        new Set(pool.tids).size,
        "the workers did not report three different TIDs: each must read /proc/thread-self synchronously, on its own thread",
      ).toBe(3);
      const now = new Set(ourTids());
      for (const tid of pool.tids) {
        expect(tid).not.toBe(process.pid);
        expect(before.has(tid), `TID ${tid} belongs to a thread that existed before the pool started`).toBe(false);
        expect(now.has(tid), `TID ${tid} is not a thread of this process`).toBe(true);
      }
      expect(threadCount()).toBe(baseline + 3);

      const result = await withTimeout("the pool to count", pool.countPrimes(0, 1000), 20_000);
      checkResult(result, 0, 1000, 3);
      expect(new Set(result.chunks.map((c) => c.tid))).toEqual(new Set(pool.tids));
    } finally {
      await withTimeout("close() to resolve", pool.close());
    }
    await backToBaseline(baseline, "after close()");
    for (const tid of pool.tids)
      expect(existsSync(`/proc/self/task/${tid}`), `worker thread ${tid} still exists after close(): terminate every worker`).toBe(false);
  });

  it("counts right when the range does not divide evenly, and can count again", async () => {
    const pool = await withTimeout("startPrimePool(4) to resolve", startPrimePool(4, primeWorker), 20_000);
    try {
      // 104729 is the 10,000th prime; 104730 numbers do not split into 4 equal parts.
      for (const [from, to] of [
        [0, 104_730],
        [0, 10_007],
        [5, 8],
        [7919, 7920],
        [50, 50],
      ] as const) {
        const result = await withTimeout(`the pool to count [${from}, ${to})`, pool.countPrimes(from, to), 20_000);
        checkResult(result, from, to, 4);
      }
    } finally {
      await withTimeout("close() to resolve", pool.close());
    }
  });

  it("countPrimesParallel closes its pool: the thread count returns to baseline", async () => {
    const baseline = threadCount();
    const result = await withTimeout("countPrimesParallel to resolve", countPrimesParallel(1_000, 11_003, { workers: 3, workerFile: primeWorker }), 20_000);
    checkResult(result, 1_000, 11_003, 3);
    await backToBaseline(baseline, "after countPrimesParallel");
  });

  it("waits for its workers without burning CPU or polling, and keeps the event loop free", async () => {
    // Each sleepy worker blocks 1.5 s in Atomics.wait before answering: no
    // CPU anywhere, unless the main thread busy-waits or polls.
    const pool = await withTimeout("startPrimePool(2) to resolve", startPrimePool(2, sleepyWorker), 20_000);
    try {
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 20);
      const sleepsBefore = mainThreadSleeps();
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await withTimeout("the sleepy workers to answer", pool.countPrimes(0, 10), 20_000);
      const wallMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      clearInterval(ticker);
      const sleeps = mainThreadSleeps() - sleepsBefore;
      const cpuMs = (cpu.user + cpu.system) / 1000;
      expect(wallMs).toBeGreaterThan(1_000);
      // Idle waiting costs a few ms; polling costs most of a core.
      expect(cpuMs, `the process used ${cpuMs.toFixed(0)} ms of CPU while waiting ${wallMs.toFixed(0)} ms for sleeping workers`).toBeLessThan(wallMs * 0.15);
      expect(ticks, "a timer never ran while the pool waited: the event loop was blocked").toBeGreaterThan(0);
      // Each time the main thread goes to sleep (in epoll_wait) the kernel
      // counts a voluntary context switch. The ticker wakes it every 20 ms; a
      // pool that polls with a short timer wakes it about every millisecond.
      expect(
        sleeps,
        `the main thread woke ${sleeps} times in ${wallMs.toFixed(0)} ms (the 20 ms ticker explains ${ticks}): the pool polls instead of awaiting a message`,
      ).toBeLessThan(ticks + 200);
    } finally {
      await withTimeout("close() to resolve", pool.close());
    }
  });

  it("rejects when a worker crashes, and still leaves no thread behind", async () => {
    const baseline = threadCount();
    // One worker of three throws; the other two are healthy and stay alive unless terminated.
    const outcome = countPrimesParallel(0, 300, { workers: 3, workerFile: crashingWorker });
    await expect(withTimeout("countPrimesParallel to settle", outcome, 20_000)).rejects.toThrow(/boom/);
    await backToBaseline(baseline, "after a worker crashed");
  });

  it("rejects when some workers fail to start, and terminates the ones that did", async () => {
    const baseline = threadCount();
    const outcome = startPrimePool(3, halfStartWorker);
    await expect(withTimeout("startPrimePool to settle", outcome, 20_000)).rejects.toThrow(/failing at startup/);
    await backToBaseline(baseline, "after a failed start");
  });

  it("reports a missing worker script, and leaves no thread behind", async () => {
    const baseline = threadCount();
    const missing = path.join(fixtures, "does-not-exist.ts");
    await expect(withTimeout("startPrimePool to settle", startPrimePool(2, missing), 20_000)).rejects.toThrow(/does-not-exist/);
    await backToBaseline(baseline, "after a failed start");
  });

  it("rejects a pool size that is not a positive whole number", async () => {
    await expect(startPrimePool(0, primeWorker)).rejects.toThrow(RangeError);
    await expect(startPrimePool(1.5, primeWorker)).rejects.toThrow(/number of workers/);
  });
});
