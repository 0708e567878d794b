// Lab 10, part 1: a bounded queue in shared memory, for threads.
// Write the methods marked TODO; the layout and constructor are given.
//
// A SharedArrayBuffer is the same physical memory in every worker that holds
// it, so this queue is the analogue of Python's threading.Queue: nothing is
// copied through the kernel, the threads just agree on who touches which bytes
// when. The agreement is a small lock (a futex word) plus two "event counters"
// that blocked threads sleep on with Atomics.wait and are woken from with
// Atomics.notify.
//
// Layout of the buffer:
//   header  Int32 x HEADER_WORDS  lock, head, tail, count, closed, two counters,
//                                 how many threads wait on each counter
//   lengths Int32 x capacity      byte length of the message in each slot
//   data    capacity x slotBytes  the messages themselves
//
// Which thread may block: Atomics.wait is allowed on Node's main thread (unlike
// a browser's), but it freezes the event loop for as long as it waits. So the
// blocking put()/get() are for workers, and the main thread uses getAsync(),
// which sleeps with Atomics.waitAsync and lets the event loop run meanwhile.
// The lock itself is only ever held for a few instructions, so taking it with
// a (rarely) blocking Atomics.wait is fine on any thread.

/** Indexes of the header words. */
const LOCK = 0; // 0 free, 1 held, 2 held and someone sleeps on it
const HEAD = 1; // slot of the oldest message
const TAIL = 2; // slot the next message goes to
const COUNT = 3; // messages in the queue
const CLOSED = 4; // 1 once close() ran
const NOT_EMPTY = 5; // bumped whenever a message arrives (or on close): getters sleep on it
const NOT_FULL = 6; // bumped whenever a slot frees up (or on close): putters sleep on it
const GETTERS_WAITING = 7; // threads asleep (or about to be) on NOT_EMPTY
const PUTTERS_WAITING = 8; // threads asleep (or about to be) on NOT_FULL
export const HEADER_WORDS = 10;

/** put() on a closed queue. */
export class QueueClosedError extends Error {
  constructor() {
    super("the queue is closed: no more messages can be put in it");
    this.name = "QueueClosedError";
  }
}

/** put() on a full queue or get() on an empty one waited `timeoutMs` in vain. */
export class QueueTimeoutError extends Error {
  constructor(
    readonly operation: "put" | "get",
    readonly timeoutMs: number,
  ) {
    super(`${operation}() gave up after ${timeoutMs} ms: the queue stayed ${operation === "put" ? "full" : "empty"}`);
    this.name = "QueueTimeoutError";
  }
}

// TypeScript 5.0's library does not know Atomics.waitAsync yet (Node 16+ has it).
type WaitAsyncResult = { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> };
const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, t?: number) => WaitAsyncResult }).waitAsync;

/** When a wait of `timeoutMs` from now ends (no clock read for an endless wait: put/get are hot paths). */
function deadlineAfter(timeoutMs: number): number {
  return timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
}

/** Milliseconds left until `deadline` (Infinity stays Infinity). */
function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

export class SharedQueue {
  private readonly header: Int32Array;
  private readonly lengths: Int32Array;
  private readonly data: Uint8Array;
  readonly capacity: number;
  readonly slotBytes: number;

  /** A new empty queue of `capacity` messages of at most `slotBytes` bytes each. */
  static create(capacity: number, slotBytes: number): SharedQueue {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
    if (!Number.isInteger(slotBytes) || slotBytes < 1) throw new RangeError(`slotBytes must be a positive integer, not ${slotBytes}`);
    const bytes = (HEADER_WORDS + capacity) * 4 + capacity * slotBytes;
    return new SharedQueue(new SharedArrayBuffer(bytes), capacity, slotBytes);
  }

  /** The same queue seen from another worker: post `queue.buffer`, `capacity` and `slotBytes` to it. */
  static attach(buffer: SharedArrayBuffer, capacity: number, slotBytes: number): SharedQueue {
    return new SharedQueue(buffer, capacity, slotBytes);
  }

  private constructor(
    readonly buffer: SharedArrayBuffer,
    capacity: number,
    slotBytes: number,
  ) {
    const needed = (HEADER_WORDS + capacity) * 4 + capacity * slotBytes;
    if (buffer.byteLength !== needed) {
      throw new RangeError(
        `the buffer has ${buffer.byteLength} bytes but a queue of ${capacity} x ${slotBytes} needs ${needed}: pass the same sizes as create()`,
      );
    }
    this.capacity = capacity;
    this.slotBytes = slotBytes;
    this.header = new Int32Array(buffer, 0, HEADER_WORDS);
    this.lengths = new Int32Array(buffer, HEADER_WORDS * 4, capacity);
    this.data = new Uint8Array(buffer, (HEADER_WORDS + capacity) * 4);
  }

  /**
   * Add a message, waiting (blocking this thread) while the queue is full.
   * Throws QueueClosedError if the queue is or becomes closed, QueueTimeoutError after `timeoutMs`.
   */
  put(message: Uint8Array, timeoutMs = Infinity): void {
    // TODO: refuse a message longer than slotBytes (RangeError). Under the lock:
    // wait while full (read NOT_FULL, unlock, Atomics.wait on it, lock again),
    // throw QueueClosedError if closed, QueueTimeoutError when the deadline passes;
    // count yourself in PUTTERS_WAITING while you wait, so getters know to notify;
    // then copy into slot TAIL, store its length, advance TAIL modulo capacity,
    // add 1 to COUNT and to NOT_EMPTY. After unlocking, notify one getter if
    // GETTERS_WAITING (read under the lock) is above 0.
    throw new Error("TODO: SharedQueue.put");
  }

  /**
   * The oldest message, waiting (blocking this thread) while the queue is empty.
   * Returns null once the queue is closed and drained; throws QueueTimeoutError after `timeoutMs`.
   * In a worker only: on the main thread it would freeze the event loop (use getAsync).
   */
  get(timeoutMs = Infinity): Uint8Array | null {
    // TODO: loop: tryTake(); if it says "empty", Atomics.wait on NOT_EMPTY with
    // the counter value tryTake() saw under the lock (this.lastSeen) and the time
    // left; afterwards subtract 1 from GETTERS_WAITING. On "timed-out" try once
    // more, then throw QueueTimeoutError("get", ...) (leave GETTERS_WAITING as found).
    throw new Error("TODO: SharedQueue.get");
  }

  /** Like get(), but sleeps without blocking the event loop: for the main thread. */
  async getAsync(timeoutMs = Infinity): Promise<Uint8Array | null> {
    // TODO: the same loop as get(), but sleep with waitAsync(...) (defined above):
    // its result is either { async: false, value } or { async: true, value: Promise }.
    throw new Error("TODO: SharedQueue.getAsync");
  }

  /** The NOT_EMPTY counter as tryTake() last saw it, under the lock. */
  private lastSeen = 0;

  /** Take the oldest message if there is one; null if closed and drained; "empty" otherwise. */
  private tryTake(): Uint8Array | null | "empty" {
    // TODO: under the lock: if COUNT is 0, remember NOT_EMPTY in this.lastSeen and
    // return null when closed, "empty" otherwise. Else copy (slice) slot HEAD's
    // bytes, advance HEAD modulo capacity, subtract 1 from COUNT, add 1 to NOT_FULL.
    // After unlocking, notify one putter if PUTTERS_WAITING (read under the lock)
    // is above 0. When returning "empty", add 1 to GETTERS_WAITING first: the
    // caller subtracts it again once its wait is over.
    throw new Error("TODO: SharedQueue.tryTake");
  }

  /** Messages in the queue right now (already stale when you read it, unless nobody else runs). */
  size(): number {
    // TODO: read COUNT atomically.
    throw new Error("TODO: SharedQueue.size");
  }

  /** Refuse further puts and wake every waiter: getters drain what is left and then get null. */
  close(): void {
    // TODO: under the lock set CLOSED and bump both counters; then notify ALL
    // waiters on NOT_EMPTY and on NOT_FULL (no count argument).
    throw new Error("TODO: SharedQueue.close");
  }

  // A futex-style lock (Drepper, "Futexes Are Tricky"): uncontended lock and
  // unlock are one atomic instruction each; only contention sleeps.
  private lock(): void {
    // TODO: compareExchange LOCK 0 -> 1; if it was taken, mark it 2 (contended)
    // and Atomics.wait on LOCK while it stays 2, until exchange(LOCK, 2) returns 0.
    throw new Error("TODO: SharedQueue.lock");
  }

  private unlock(): void {
    // TODO: subtract 1 from LOCK; if it was not 1 (someone sleeps), store 0 and
    // notify one waiter on LOCK.
    throw new Error("TODO: SharedQueue.unlock");
  }
}
