// Measuring durations: a Stopwatch and a Deadline on a monotonic clock.
//
// A duration is "later reading minus earlier reading" of ONE clock, and that
// clock must never jump. The wall clock (Date.now(), CLOCK_REALTIME) jumps
// whenever NTP or a person sets the time, so a duration taken from it can come
// out negative or days long. CLOCK_MONOTONIC only moves forward, at a steady
// rate, and Node reads it with process.hrtime.bigint(): nanoseconds since an
// arbitrary point (on Linux, the boot), as a bigint.
//
// The clock is a parameter so that tests (and you) can drive time by hand.

/** A monotonic clock: nanoseconds since some fixed point. Never goes back. */
export type MonotonicClock = () => bigint;

/** The system's monotonic clock: CLOCK_MONOTONIC, read through process.hrtime.bigint(). */
export const systemClock: MonotonicClock = () => process.hrtime.bigint();

/** Thrown when an injected clock goes backwards: it is not monotonic. */
export class NotMonotonicError extends Error {
  readonly backwardsNs: bigint;
  constructor(backwardsNs: bigint) {
    super(
      `the clock went backwards by ${backwardsNs} ns, so it is not monotonic; ` +
        `durations need CLOCK_MONOTONIC (process.hrtime.bigint()), not the wall clock (Date.now())`,
    );
    this.name = "NotMonotonicError";
    this.backwardsNs = backwardsNs;
  }
}

/** Thrown by Deadline.throwIfExpired. */
export class DeadlineExceededError extends Error {
  readonly what: string;
  readonly timeoutMs: number;
  readonly overdueMs: number;
  constructor(what: string, timeoutMs: number, overdueMs: number) {
    super(`${what} did not finish within ${timeoutMs} ms (over by ${overdueMs} ms)`);
    this.name = "DeadlineExceededError";
    this.what = what;
    this.timeoutMs = timeoutMs;
    this.overdueMs = overdueMs;
  }
}

const NS_PER_MS = 1_000_000;

/**
 * Nanoseconds (bigint) to milliseconds (number). Callers subtract first, in
 * bigint, and convert only the difference: a reading of hrtime is nanoseconds
 * since boot, which passes 2^53 (the last exact integer of a number) after 104
 * days of uptime, and then Number(reading) loses the last digits.
 */
function nsToMs(ns: bigint): number {
  return Number(ns) / NS_PER_MS;
}

/** Milliseconds (number, may have a fraction) to whole nanoseconds. */
function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * NS_PER_MS));
}

/** Read `clock`, insisting that it has not gone back before `startNs`. */
function readSince(clock: MonotonicClock, startNs: bigint): bigint {
  const now = clock();
  if (now < startNs) throw new NotMonotonicError(startNs - now);
  return now;
}

/** Measures the time since it was created, until stop() is called. */
export class Stopwatch {
  private readonly clock: MonotonicClock;
  private readonly startNs: bigint;
  private stoppedNs: bigint | undefined;

  /** Starts running at once. */
  constructor(clock: MonotonicClock = systemClock) {
    this.clock = clock;
    this.startNs = clock();
  }

  /** Nanoseconds since the start (or from start to stop, once stopped). Exact. */
  elapsedNs(): bigint {
    const endNs = this.stoppedNs ?? readSince(this.clock, this.startNs);
    return endNs - this.startNs;
  }

  /** The same duration in milliseconds, with a fraction (1.234567 ms). */
  elapsedMs(): number {
    return nsToMs(this.elapsedNs());
  }

  /** Freezes the stopwatch and returns the elapsed nanoseconds. Stopping again changes nothing. */
  stop(): bigint {
    if (this.stoppedNs === undefined) this.stoppedNs = readSince(this.clock, this.startNs);
    return this.stoppedNs - this.startNs;
  }

  get running(): boolean {
    return this.stoppedNs === undefined;
  }
}

/** A point in time, timeoutMs after creation, on a monotonic clock. */
export class Deadline {
  readonly timeoutMs: number;
  private readonly clock: MonotonicClock;
  private readonly startNs: bigint;
  private readonly endNs: bigint;

  constructor(timeoutMs: number, clock: MonotonicClock = systemClock) {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`a Deadline needs a timeout in ms that is a finite number >= 0, not ${timeoutMs}`);
    }
    this.timeoutMs = timeoutMs;
    this.clock = clock;
    this.startNs = clock();
    // The end is computed once, on the same clock it will be compared with.
    this.endNs = this.startNs + msToNs(timeoutMs);
  }

  /** Milliseconds left, with a fraction; 0 once the deadline has passed. */
  remainingMs(): number {
    const left = this.endNs - readSince(this.clock, this.startNs);
    return left > 0n ? nsToMs(left) : 0;
  }

  /** True once the deadline has been reached. */
  expired(): boolean {
    return readSince(this.clock, this.startNs) >= this.endNs;
  }

  /** Throws DeadlineExceededError, naming `what`, once the deadline has been reached. */
  throwIfExpired(what = "the operation"): void {
    const left = this.endNs - readSince(this.clock, this.startNs);
    if (left <= 0n) throw new DeadlineExceededError(what, this.timeoutMs, nsToMs(-left));
  }
}
