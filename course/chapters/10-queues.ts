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
      { id: "sharedQueue", title: "A bounded ring in a SharedArrayBuffer: order, wrap-around, timeouts, close", points: 4 },
      { id: "sharedQueueThreads", title: "Many workers at once: a lock, sleeping waiters, close() wakes them all", points: 6 },
      { id: "processQueue", title: "A process queue: length-prefixed frames and a close() that flushes before exit", points: 4 },
    ],
    hints: [
      "Start with the lock and tryTake(): every read and write of HEAD, TAIL and COUNT happens between lock() and unlock(), and always through Atomics.load/store/add. The notebook's ring demo is the single-thread version of the same code.",
      "Never spin: a thread that must wait calls Atomics.wait(header, NOT_EMPTY or NOT_FULL, valueSeen, msLeft). The trick is valueSeen: read the counter while you still hold the lock, unlock, then wait. If someone put a message in between, the counter has moved and wait() returns \"not-equal\" at once instead of sleeping through the wake-up.",
      "Every change that could let a waiter proceed bumps the counter it sleeps on and then calls Atomics.notify on it: put bumps NOT_EMPTY and notifies 1, a take bumps NOT_FULL and notifies 1, close() bumps both and notifies everyone (no count). getAsync() is get() with `const w = waitAsync(...); const outcome = w.async ? await w.value : w.value;`.",
      "Process queue: encodeFrame is `Buffer.allocUnsafe(4 + body.length)`, `writeUInt32BE(body.length, 0)`, `body.copy(frame, 4)` with body = v8.serialize(value). The decoder keeps a pending Buffer: while it holds 4 bytes and 4 + length bytes, deserialize `pending.subarray(offset + 4, offset + 4 + length)` and move on; keep the rest for the next chunk.",
      "close(), nearly the answer: `return new Promise((resolve, reject) => { stream.once(\"error\", reject); stream.end(() => resolve()); })`. end()'s callback runs on \"finish\", once every queued write has reached the kernel; process.exit() before that drops what is still queued in user space. The reader: on \"data\" push decoded messages and wake the waiting get(); on \"end\" mark ended (a non-zero decoder.leftover means a cut frame: record an error).",
    ],
  },
};
