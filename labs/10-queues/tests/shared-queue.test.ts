// Lab 10 tests, part 1: the shared-memory queue. Single-thread behaviour
// first (order, wrap-around, timeouts, close), then real worker threads:
// 4 producers and 2 consumers hammering it, waiters woken by close(), and an
// idle get() that must sleep instead of spinning.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { QueueClosedError, QueueTimeoutError, SharedQueue } from "@impl/10-queues/shared-queue";
import { expectRejects, expectThrows, impl, threadEntry, waitFor, withTimeout } from "../../../course/testkit";

const queueModule = impl("10-queues/shared-queue.ts");
const queueWorker = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "queue-worker.ts");

/** Start a worker thread running a TypeScript file (through tsx's CommonJS hook). */
function startTsWorker(file: string, workerData: unknown): Worker {
  const hook = createRequire(import.meta.url).resolve("tsx/cjs/api");
  const bootstrap = `require(${JSON.stringify(hook)}).register();\nrequire(${JSON.stringify(file)});\n`;
  return new Worker(bootstrap, { eval: true, workerData, env: { ...process.env, ESBUILD_WORKER_THREADS: "0" } });
}

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
});

type Role = "producer" | "consumer" | "getter" | "putter";

function startQueueWorker(queue: SharedQueue, role: Role, id = 0, count = 0): Worker {
  const worker = startTsWorker(queueWorker, {
    module: queueModule,
    buffer: queue.buffer,
    capacity: queue.capacity,
    slotBytes: queue.slotBytes,
    role,
    id,
    count,
  });
  workers.push(worker);
  return worker;
}

/** The next message from a worker; rejects if it fails or exits first. */
function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    const onMessage = (message: { value: T } | { error: string }): void => {
      cleanup();
      if ("error" in message) reject(new Error(`the worker failed: ${message.error}`));
      else resolve(message.value);
    };
    const onError = (err: Error): void => (cleanup(), reject(new Error(`the worker failed: ${err.message}`)));
    const onExit = (code: number): void => (cleanup(), reject(new Error(`the worker exited (code ${code}) before answering`)));
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString());
const bytesOf = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));

// The futex() system call number, to see that a thread really sleeps in Atomics.wait.
const FUTEX_SYSCALL: Partial<Record<string, number>> = { x64: 202, arm64: 98, ia32: 240, arm: 240 };

/** True once thread `tid` of this process is asleep in futex() (or merely asleep, on an unknown architecture). */
function sleepsInFutex(tid: number): boolean {
  if (threadEntry(process.pid, tid)?.state !== "S") return false;
  const futex = FUTEX_SYSCALL[process.arch];
  if (futex === undefined) return true;
  // The system call a sleeping thread is in: /proc's "syscall" file, which the stat line does not carry.
  return Number(readFileSync(`/proc/self/task/${tid}/syscall`, "utf8").split(" ")[0]) === futex;
}

/** Wake-ups tolerated from a thread that sleeps until notified (see the test that counts them). */
const SPURIOUS_WAKE_UPS = 6;

/** How many times thread `tid` of this process went to sleep and was woken (voluntary context switches). */
function wakeUps(tid: number): number {
  const status = readFileSync(`/proc/self/task/${tid}/status`, "utf8");
  return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1]);
}

/** CPU time (user + system, all threads of this process) in ms. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

describe("sharedQueue", () => {
  it("gives messages back in order, with their exact lengths", () => {
    const queue = SharedQueue.create(8, 16);
    for (const word of ["a", "", "hello", "sixteen-bytes!!!"]) queue.put(bytesOf(word));
    expect(queue.size()).toBe(4);
    expect([queue.get(), queue.get(), queue.get(), queue.get()].map(text)).toEqual(["a", "", "hello", "sixteen-bytes!!!"]);
    expect(queue.size()).toBe(0);
  });

  it("wraps around the end of the ring many times without losing or mixing messages", () => {
    const queue = SharedQueue.create(3, 8);
    const seen: string[] = [];
    const sent: string[] = [];
    let next = 0;
    // Keep the ring between 1 and 3 full so head and tail cross the end at every phase.
    for (let round = 0; round < 40; round++) {
      const batch = (round % 3) + 1;
      while (queue.size() < batch) {
        const word = `m${next++}`;
        sent.push(word);
        queue.put(bytesOf(word));
      }
      seen.push(text(queue.get()) ?? "null");
    }
    while (queue.size() > 0) seen.push(text(queue.get()) ?? "null");
    expect(seen).toEqual(sent);
  });

  it("refuses a message bigger than a slot", () => {
    const queue = SharedQueue.create(2, 4);
    expectThrows(() => queue.put(new Uint8Array(5)), RangeError, "queue.put(new Uint8Array(5))");
  });

  it("times out: get() on an empty queue, put() on a full one", () => {
    const queue = SharedQueue.create(1, 4);
    const empty = expectThrows(() => queue.get(50), QueueTimeoutError, "queue.get(50)");
    expect(empty.operation).toBe("get");
    queue.put(bytesOf("one"));
    const full = expectThrows(() => queue.put(bytesOf("two"), 50), QueueTimeoutError, "queue.put(bytesOf('two'), 50)");
    expect(full.operation).toBe("put");
    expect(text(queue.get(50))).toBe("one");
  });

  it("after close(): put() throws, get() drains what is left, then returns null", () => {
    const queue = SharedQueue.create(4, 4);
    queue.put(bytesOf("last"));
    queue.close();
    expectThrows(() => queue.put(bytesOf("late")), QueueClosedError, "queue.put(bytesOf('late'))");
    expect(text(queue.get())).toBe("last");
    expect(queue.get()).toBeNull();
    expect(queue.get(10)).toBeNull();
  });

  it("getAsync() waits without blocking the event loop and resolves when a message arrives", async () => {
    const queue = SharedQueue.create(2, 8);
    const pending = queue.getAsync(10_000);
    pending.catch(() => undefined); // awaited below
    // The event loop is free: this timer runs while getAsync waits.
    await new Promise((resolve) => setTimeout(resolve, 20));
    queue.put(bytesOf("late"));
    expect(text(await withTimeout("getAsync() to see the message", pending))).toBe("late");
    await expectRejects(() => queue.getAsync(30), QueueTimeoutError, "queue.getAsync(30)");
  });
});

describe("sharedQueueThreads", () => {
  it("4 producers x 50,000 messages, 2 consumers: every message exactly once, each producer's order kept", async () => {
    const producers = 4;
    const perProducer = 50_000;
    const queue = SharedQueue.create(64, 8);
    const consumers = [startQueueWorker(queue, "consumer"), startQueueWorker(queue, "consumer")];
    const results = consumers.map((worker) => nextMessage<Int32Array>(worker));
    // Awaited below; until then, a failure must not count as an unhandled rejection.
    for (const result of results) result.catch(() => undefined);
    const makers = Array.from({ length: producers }, (_, id) => startQueueWorker(queue, "producer", id, perProducer));
    await withTimeout("the 4 producers to put all their messages", Promise.all(makers.map((worker) => nextMessage<string>(worker))), 60_000);
    queue.close();
    const received = await withTimeout("the 2 consumers to drain the queue", Promise.all(results), 60_000);

    const counts = new Map<number, number>();
    for (const list of received) {
      // Within one consumer, each producer's messages must come in increasing order.
      const lastSeq = new Array<number>(producers).fill(-1);
      for (const code of list) {
        const id = Math.floor(code / 65536);
        const seq = code % 65536;
        expect(id >= 0 && id < producers, `a message from unknown producer ${id}: a slot was read half-written`).toBe(true);
        expect(seq, `producer ${id}: message ${seq} after ${lastSeq[id]}: order broken or a slot read twice`).toBeGreaterThan(lastSeq[id] ?? -1);
        lastSeq[id] = seq;
        counts.set(code, (counts.get(code) ?? 0) + 1);
      }
    }
    const total = received.reduce((sum, list) => sum + list.length, 0);
    expect(total, "messages received (duplicates or losses mean the indexes were not updated atomically)").toBe(producers * perProducer);
    expect(counts.size, "distinct messages received").toBe(producers * perProducer);
  }, 90_000);

  it("close() wakes a worker blocked in get(): it returns null", async () => {
    const queue = SharedQueue.create(2, 4);
    const getter = startQueueWorker(queue, "getter");
    const tid = await withTimeout("the getter to start", nextMessage<number>(getter));
    const answer = nextMessage<string>(getter);
    let answered = false; // a getter that fails at once never sleeps: do not wait for it to
    answer.then(
      () => (answered = true),
      () => (answered = true),
    );
    // Close only once the worker sleeps in Atomics.wait: closing earlier would not test the wake-up.
    await waitFor(`the getter thread (TID ${tid}) to sleep in futex()`, () => answered || sleepsInFutex(tid));
    queue.close();
    expect(await withTimeout("the blocked get() to wake up after close()", answer)).toBe("null");
  });

  it("a worker blocked in get() sleeps until put() or close() wakes it: it never wakes up to poll", async () => {
    const queue = SharedQueue.create(2, 4);
    const getter = startQueueWorker(queue, "getter");
    const tid = await withTimeout("the getter to start", nextMessage<number>(getter));
    const answer = nextMessage<string>(getter);
    let answered = false;
    answer.then(
      () => (answered = true),
      () => (answered = true),
    );
    await waitFor(`the getter thread (TID ${tid}) to sleep in futex()`, () => answered || sleepsInFutex(tid));
    expect(answered, "get() on an empty queue with no timeout returned instead of waiting").toBe(false);
    // Watch it for half a second of an empty queue: a sleeper is hardly ever woken (V8 may wake a
    // waiting thread for its own interrupts, then it waits again: a few such wake-ups were seen on
    // a loaded machine); a poller (a timed Atomics.wait, or a sleep, in a loop) wakes each round:
    // 50 times at 10 ms.
    const before = wakeUps(tid);
    const watchedFrom = performance.now();
    await waitFor("half a second of watching the sleeping getter", () => performance.now() - watchedFrom >= 500, { intervalMs: 50 });
    const woke = wakeUps(tid) - before;
    expect(
      woke,
      `the getter thread woke ${woke} times in 0.5 s while the queue stayed empty: a blocked get() must sleep in ` +
        "Atomics.wait with no timeout (or the caller's) until put() or close() notifies it, not wake up to look again",
    ).toBeLessThanOrEqual(SPURIOUS_WAKE_UPS);
    queue.close();
    expect(await withTimeout("the blocked get() to wake up after close()", answer)).toBe("null");
  });

  it("close() wakes a worker blocked in put() on a full queue: it throws QueueClosedError", async () => {
    const queue = SharedQueue.create(1, 4);
    queue.put(bytesOf("full"));
    const putter = startQueueWorker(queue, "putter");
    const tid = await withTimeout("the putter to start", nextMessage<number>(putter));
    const answer = nextMessage<string>(putter);
    let answered = false; // a putter that fails at once never sleeps: do not wait for it to
    answer.then(
      () => (answered = true),
      () => (answered = true),
    );
    // Close only once the worker sleeps in Atomics.wait: closing earlier would not test the wake-up.
    await waitFor(`the putter thread (TID ${tid}) to sleep in futex()`, () => answered || sleepsInFutex(tid));
    queue.close();
    expect(await withTimeout("the blocked put() to wake up after close()", answer)).toBe("QueueClosedError");
  });

  it("close() wakes a pending getAsync(): it resolves with null", async () => {
    const queue = SharedQueue.create(2, 4);
    const pending = queue.getAsync();
    pending.catch(() => undefined); // awaited below
    await new Promise((resolve) => setImmediate(resolve));
    queue.close();
    expect(await withTimeout("getAsync() to settle after close()", pending)).toBeNull();
  });

  it("an idle get() sleeps: waiting 1.5 s costs far less than 1.5 s of CPU", () => {
    const queue = SharedQueue.create(2, 4);
    const cpuBefore = cpuMs();
    const wallBefore = performance.now();
    expectThrows(() => queue.get(1500), QueueTimeoutError, "queue.get(1500)");
    const wall = performance.now() - wallBefore;
    const cpu = cpuMs() - cpuBefore;
    // A spinning get() burns ~100% of a core for the whole wait; a sleeping one next to nothing.
    expect(cpu, `get() used ${cpu.toFixed(0)} ms of CPU in ${wall.toFixed(0)} ms: is it polling instead of Atomics.wait?`).toBeLessThan(wall * 0.4);
  });

  it("an idle getAsync() sleeps too: no busy polling", async () => {
    const queue = SharedQueue.create(2, 4);
    const cpuBefore = cpuMs();
    const wallBefore = performance.now();
    await expectRejects(() => queue.getAsync(1500), QueueTimeoutError, "queue.getAsync(1500)");
    const wall = performance.now() - wallBefore;
    const cpu = cpuMs() - cpuBefore;
    expect(cpu, `getAsync() used ${cpu.toFixed(0)} ms of CPU in ${wall.toFixed(0)} ms: is it polling instead of Atomics.waitAsync?`).toBeLessThan(wall * 0.4);
  });
});
