// Lab 10, part 1: a bounded queue in shared memory, for threads.
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
    if (message.length > this.slotBytes) throw new RangeError(`a message of ${message.length} bytes does not fit in a slot of ${this.slotBytes}`);
    let wake: boolean;
    const deadline = deadlineAfter(timeoutMs);
    this.lock();
    try {
      for (;;) {
        if (Atomics.load(this.header, CLOSED) === 1) throw new QueueClosedError();
        if (Atomics.load(this.header, COUNT) < this.capacity) break;
        // Read the counter BEFORE letting go of the lock: if a get() frees a
        // slot between unlock() and wait(), the counter has moved and wait()
        // returns at once instead of sleeping through the wake-up.
        const seen = Atomics.load(this.header, NOT_FULL);
        Atomics.add(this.header, PUTTERS_WAITING, 1);
        this.unlock();
        const outcome = Atomics.wait(this.header, NOT_FULL, seen, remaining(deadline));
        Atomics.sub(this.header, PUTTERS_WAITING, 1);
        this.lock();
        if (outcome === "timed-out" && Atomics.load(this.header, COUNT) >= this.capacity) throw new QueueTimeoutError("put", timeoutMs);
      }
      const slot = Atomics.load(this.header, TAIL);
      this.data.set(message, slot * this.slotBytes);
      Atomics.store(this.lengths, slot, message.length);
      Atomics.store(this.header, TAIL, (slot + 1) % this.capacity);
      Atomics.add(this.header, COUNT, 1);
      Atomics.add(this.header, NOT_EMPTY, 1);
      // Read under the lock: a getter registers before it lets go of the lock,
      // so it cannot slip between this check and its sleep. Skipping notify()
      // when nobody waits is what makes the uncontended path fast.
      wake = Atomics.load(this.header, GETTERS_WAITING) > 0;
    } finally {
      this.unlock();
    }
    if (wake) Atomics.notify(this.header, NOT_EMPTY, 1);
  }

  /**
   * The oldest message, waiting (blocking this thread) while the queue is empty.
   * Returns null once the queue is closed and drained; throws QueueTimeoutError after `timeoutMs`.
   * In a worker only: on the main thread it would freeze the event loop (use getAsync).
   */
  get(timeoutMs = Infinity): Uint8Array | null {
    const deadline = deadlineAfter(timeoutMs);
    for (;;) {
      const taken = this.tryTake();
      if (taken !== "empty") return taken;
      // tryTake() counted us in GETTERS_WAITING; count us out once awake.
      const outcome = Atomics.wait(this.header, NOT_EMPTY, this.lastSeen, remaining(deadline));
      Atomics.sub(this.header, GETTERS_WAITING, 1);
      if (outcome === "timed-out") {
        const last = this.tryTake();
        if (last !== "empty") return last;
        Atomics.sub(this.header, GETTERS_WAITING, 1); // we will not wait after all
        throw new QueueTimeoutError("get", timeoutMs);
      }
    }
  }

  /** Like get(), but sleeps without blocking the event loop: for the main thread. */
  async getAsync(timeoutMs = Infinity): Promise<Uint8Array | null> {
    const deadline = deadlineAfter(timeoutMs);
    for (;;) {
      const taken = this.tryTake();
      if (taken !== "empty") return taken;
      const waiting = waitAsync(this.header, NOT_EMPTY, this.lastSeen, remaining(deadline));
      const outcome = waiting.async ? await waiting.value : waiting.value;
      Atomics.sub(this.header, GETTERS_WAITING, 1);
      if (outcome === "timed-out") {
        const last = this.tryTake();
        if (last !== "empty") return last;
        Atomics.sub(this.header, GETTERS_WAITING, 1); // we will not wait after all
        throw new QueueTimeoutError("get", timeoutMs);
      }
    }
  }

  /** The NOT_EMPTY counter as tryTake() last saw it, under the lock. */
  private lastSeen = 0;

  /**
   * Take the oldest message if there is one; null if closed and drained.
   * Otherwise "empty", and the caller is counted in GETTERS_WAITING: it must
   * wait on NOT_EMPTY (expecting this.lastSeen) and then count itself out.
   */
  private tryTake(): Uint8Array | null | "empty" {
    let message: Uint8Array;
    let wake: boolean;
    this.lock();
    try {
      if (Atomics.load(this.header, COUNT) === 0) {
        if (Atomics.load(this.header, CLOSED) === 1) return null;
        this.lastSeen = Atomics.load(this.header, NOT_EMPTY);
        Atomics.add(this.header, GETTERS_WAITING, 1);
        return "empty";
      }
      const slot = Atomics.load(this.header, HEAD);
      const start = slot * this.slotBytes;
      // slice() copies: the slot is reused as soon as we let go of the lock.
      message = this.data.slice(start, start + Atomics.load(this.lengths, slot));
      Atomics.store(this.header, HEAD, (slot + 1) % this.capacity);
      Atomics.sub(this.header, COUNT, 1);
      Atomics.add(this.header, NOT_FULL, 1);
      wake = Atomics.load(this.header, PUTTERS_WAITING) > 0;
    } finally {
      this.unlock();
    }
    if (wake) Atomics.notify(this.header, NOT_FULL, 1);
    return message;
  }

  /** Messages in the queue right now (already stale when you read it, unless nobody else runs). */
  size(): number {
    return Atomics.load(this.header, COUNT);
  }

  /** Refuse further puts and wake every waiter: getters drain what is left and then get null. */
  close(): void {
    this.lock();
    Atomics.store(this.header, CLOSED, 1);
    Atomics.add(this.header, NOT_EMPTY, 1);
    Atomics.add(this.header, NOT_FULL, 1);
    this.unlock();
    Atomics.notify(this.header, NOT_EMPTY);
    Atomics.notify(this.header, NOT_FULL);
  }

  // A futex-style lock (Drepper, "Futexes Are Tricky"): uncontended lock and
  // unlock are one atomic instruction each; only contention sleeps.
  private lock(): void {
    let state = Atomics.compareExchange(this.header, LOCK, 0, 1);
    if (state === 0) return;
    if (state !== 2) state = Atomics.exchange(this.header, LOCK, 2);
    while (state !== 0) {
      Atomics.wait(this.header, LOCK, 2);
      state = Atomics.exchange(this.header, LOCK, 2);
    }
  }

  private unlock(): void {
    if (Atomics.sub(this.header, LOCK, 1) !== 1) {
      Atomics.store(this.header, LOCK, 0);
      Atomics.notify(this.header, LOCK, 1);
    }
  }
}
