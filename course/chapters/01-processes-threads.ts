import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "01",
  slug: "processes-threads",
  title: "Processes, threads and LWPs",
  summary: "Kernel threads in /proc/<pid>/task, worker TIDs from /proc/thread-self, CPU-bound speedup across cores, and the cooperative event loop.",
  lab: {
    timeLimitSeconds: 90,
    files: ["threads.ts", "chunks.ts", "prime-worker.ts", "pool.ts", "event-loop.ts"],
    tasks: [
      {
        id: "listThreads",
        title: "List a process's threads from /proc/<pid>/task",
        short: "List a process's threads",
        points: 4,
        hints: [
          "Look before you code: `ls /proc/self/task` lists one directory per thread, and `cat /proc/self/task/<tid>/stat` has the same layout as the /proc/<pid>/stat of lab 00.",
          "Read the directory /proc/<pid>/task, then each task's stat; cut comm at the LAST ')'; utime and stime are fields 14 and 15. Sort by TID.",
          "Threads can exit between the readdir and the read: catch ENOENT (and ESRCH) for that one thread and skip it. Only a missing /proc/<pid>/task means NoSuchProcessError. Check the pid argument first.",
        ],
      },
      {
        id: "currentTid",
        title: "Find the calling thread's own TID",
        short: "The calling thread's TID",
        points: 2,
        hints: [
          '`readlink /proc/thread-self` in a shell shows what this function must parse: "<pid>/task/<tid>".',
          "Read the link synchronously (readlinkSync). The asynchronous version runs on a libuv threadpool thread and reports that thread, not yours.",
        ],
      },
      {
        id: "splitRange",
        title: "Share out work that does not divide evenly",
        short: "Share out uneven work",
        points: 2,
        hints: [
          "Work out 10 numbers in 3 parts on paper: 4 + 3 + 3. Which parts get one more, and how many of them are there?",
          "Each part gets Math.floor(count / parts) numbers, and the first count % parts parts get one more. With more parts than numbers, the last parts are empty. Reject a reversed range and a part count that is not a positive integer before splitting.",
        ],
      },
      {
        id: "primePool",
        title: "Count primes on worker threads: real TIDs, no leftovers, no busy waiting",
        short: "Primes on worker threads",
        points: 8,
        hints: [
          "prime-worker.ts runs inside each worker: it reports its own TID first (currentTid() works there too), then answers each chunk it is sent. Start there, and try one worker by hand.",
          'In the pool, write one helper that returns a promise for a worker\'s next message and rejects on its "error" or "exit" event, removing all its listeners when it settles. Await the hellos together with Promise.all. Never loop checking a flag, not even with setTimeout or setImmediate: the tests count the main thread\'s wakeups.',
          'Cleanup is what the thread-count tests check: if starting fails, terminate every worker that did start before rethrowing; close() awaits terminate() of every worker; countPrimesParallel closes its pool in a finally. An idle worker\'s crash must not kill the process: give each worker an "error" listener.',
        ],
      },
      {
        id: "measureEventLoopDelay",
        title: "Measure event-loop delay while a task runs",
        short: "Measure event-loop delay",
        points: 4,
        hints: [
          "node:perf_hooks has a histogram that samples the event loop's delay. What does it record while a synchronous task holds the thread?",
          "monitorEventLoopDelay({ resolution }) and enable() it. Its first tick records nothing, so before the task wait until it has recorded a sample (count > 0), checking once per interval: waiting one interval is not enough on a busy machine, where your timer and its tick fall due together. After the task, wait until count has grown again, so a block at the very end is recorded. Disable it in a finally, so a failing task does not leave it running.",
          "The histogram reports nanoseconds: divide min, max, mean and percentile(99) by 1e6. When it recorded nothing (count 0) report zeros. Validate the resolution first.",
        ],
      },
    ],
  },
};
