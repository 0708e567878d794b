import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "10",
  slug: "queues",
  title: "Queues between threads and between processes",
  summary:
    "threading.Queue vs multiprocessing.Queue; postMessage copies, SharedArrayBuffer shares, a child's IPC channel serializes; a bounded MPMC queue on Atomics.wait/notify and a framed process queue whose close() really flushes.",
  lab: {
    timeLimitSeconds: 180,
    files: ["shared-queue.ts", "process-queue.ts"],
    tasks: [
      {
        id: "sharedQueue",
        title: "A bounded ring in a SharedArrayBuffer: order, wrap-around, timeouts, close",
        short: "A ring in a SharedArrayBuffer",
        points: 4,
        hints: [
          "Start with the lock and a take that does not wait: every read and write of the head, the tail and the count happens between lock() and unlock(), and always through Atomics. The notebook's ring demo is the single-thread version of the same code.",
          "Indexes wrap with % capacity; a message's length is stored with it in its slot, and a message bigger than a slot is refused. After close(), put() throws and get() drains what is left, then returns null.",
          "Waiting with a timeout: Atomics.wait on a counter with the value you read while holding the lock, then try again; give up with QueueTimeoutError when the time is over. getAsync() is the same with Atomics.waitAsync.",
        ],
      },
      {
        id: "sharedQueueThreads",
        title: "Many workers at once: a lock, sleeping waiters, close() wakes them all",
        short: "Many workers: sleep, close",
        points: 6,
        hints: [
          "Never spin: a thread that must wait sleeps in Atomics.wait. How does it avoid sleeping through a wake-up that came just before it went to sleep?",
          'Read the counter it sleeps on while you still hold the lock, unlock, then wait for that value: if someone changed it in between, wait() returns "not-equal" at once instead of sleeping.',
          "Every change that could let a waiter proceed bumps the counter it sleeps on, then notifies: a put wakes one taker, a take wakes one putter, close() bumps both counters and wakes everyone.",
        ],
      },
      {
        id: "processQueue",
        title: "A process queue: length-prefixed frames and a close() that flushes before exit",
        short: "A framed process queue",
        points: 4,
        hints: [
          "A stream between processes cuts anywhere: frames need a length in front, and the decoder keeps what is left between chunks (as in chapter 07).",
          'Frame a message as a 4-byte big-endian length, then v8.serialize(value). The reader decodes on "data", wakes a waiting get(), and on "end" reports an incomplete frame as an error instead of dropping it.',
          'close() must resolve only once every queued write has reached the kernel: end() the stream and wait for its callback ("finish"), rejecting on "error". A process.exit() before that drops what Node still holds.',
        ],
      },
    ],
  },
};
