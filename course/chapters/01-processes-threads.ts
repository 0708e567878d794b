import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "01",
  slug: "processes-threads",
  title: "Processes, threads and LWPs",
  summary:
    "Kernel threads in /proc/<pid>/task, worker TIDs from /proc/thread-self, CPU-bound speedup across cores, and the cooperative event loop.",
  lab: {
    timeLimitSeconds: 90,
    files: ["threads.ts", "chunks.ts", "prime-worker.ts", "pool.ts", "event-loop.ts"],
    tasks: [
      { id: "listThreads", title: "List a process's threads from /proc/<pid>/task", points: 4 },
      { id: "currentTid", title: "Find the calling thread's own TID", points: 2 },
      { id: "splitRange", title: "Share out work that does not divide evenly", points: 2 },
      { id: "primePool", title: "Count primes on worker threads: real TIDs, no leftovers, no busy waiting", points: 8 },
      { id: "measureEventLoopDelay", title: "Measure event-loop delay while a task runs", points: 4 },
    ],
    hints: [
      "Look before you code: `ls /proc/self/task` lists one directory per thread, and `cat /proc/self/task/<tid>/stat` has the same layout as the /proc/<pid>/stat of lab 00. `readlink /proc/thread-self` shows what currentTid() must parse. For splitRange, work out 10 numbers in 3 parts on paper: 4 + 3 + 3.",
      "listThreads: readdir /proc/<pid>/task, then read each task's stat; cut comm at the LAST ')'; utime and stime are fields 14 and 15. Threads can exit between the readdir and the read: catch ENOENT (and ESRCH) for that one thread and skip it. Only a missing /proc/<pid>/task means NoSuchProcessError. currentTid must read /proc/thread-self synchronously (readlinkSync): the async version runs on a libuv threadpool thread and reports that thread.",
      "prime-worker.ts runs inside each worker: call currentTid() there, post { type: \"hello\", tid }, then on every message post { type: \"counted\", tid, chunk, primes: countPrimes(chunk.from, chunk.to) }. In the pool, write one function that returns a promise for a worker's next message and rejects on its \"error\" or \"exit\" event (removing all three listeners when it settles). Await hellos with Promise.all; never loop checking a flag, not even with setTimeout or setImmediate: that is busy waiting, and the tests count the main thread's wakeups.",
      "Cleanup is what the thread-count tests check. startPrimePool: wrap the start in try/catch and terminate() every worker before rethrowing. close(): `await Promise.all(workers.map((w) => w.terminate()))`. countPrimesParallel: `const pool = await startPrimePool(...); try { return await pool.countPrimes(from, to); } finally { await pool.close(); }`. Add `worker.on(\"error\", () => {})` to each worker so an idle worker's crash cannot kill the process.",
      "measureEventLoopDelay: `const h = monitorEventLoopDelay({ resolution })`, `h.enable()`, then wait one interval (`setTimeout` of resolution + 1 ms) because the first tick records nothing, `const result = await task()`, wait one more interval so a block at the end is recorded, `h.disable()` (in a finally too). Divide h.min, h.max, h.mean and h.percentile(99) by 1e6 for milliseconds; when h.count is 0 report zeros.",
    ],
  },
};
