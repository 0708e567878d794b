// Lab 06, part 1: a Stopwatch and a Deadline on a monotonic clock.
//
// A duration is "later reading minus earlier reading" of ONE clock that never
// jumps. Date.now() (the wall clock, CLOCK_REALTIME) jumps whenever the time is
// set; CLOCK_MONOTONIC does not. Node reads CLOCK_MONOTONIC with
// process.hrtime.bigint(): nanoseconds since boot, as a bigint.
//
// The clock is a constructor parameter, so tests can drive time by hand; with
// no argument, the system's monotonic clock is used.
// Fill in the TODOs, then run `npm run grade -- 06`. Stuck? `npm run hint -- 06`.

/** A monotonic clock: nanoseconds since some fixed point. Never goes back. */
export type MonotonicClock = () => bigint;

/** The system's monotonic clock: CLOCK_MONOTONIC, read through process.hrtime.bigint(). */
export const systemClock: MonotonicClock = () => {
  // TODO: return the current reading of CLOCK_MONOTONIC, in nanoseconds, as a bigint.
  throw new Error("TODO: systemClock is not written yet");
};

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

/** Measures the time since it was created, until stop() is called. */
export class Stopwatch {
  private readonly clock: MonotonicClock;
  private readonly startNs: bigint;
  private stoppedNs: bigint | undefined;

  /** Starts running at once. */
  constructor(clock: MonotonicClock = systemClock) {
    // TODO: remember the clock and read it once: that reading is the start.
    throw new Error("TODO: Stopwatch is not written yet");
  }

  /** Nanoseconds since the start (or from start to stop, once stopped). Exact. */
  elapsedNs(): bigint {
    // TODO: end reading minus start reading, in bigint. If the clock went backwards,
    // throw NotMonotonicError with how far it went back.
    throw new Error("TODO: Stopwatch.elapsedNs is not written yet");
  }

  /** The same duration in milliseconds, with a fraction (1.234567 ms). */
  elapsedMs(): number {
    // TODO: convert elapsedNs() to milliseconds without losing nanoseconds.
    throw new Error("TODO: Stopwatch.elapsedMs is not written yet");
  }

  /** Freezes the stopwatch and returns the elapsed nanoseconds. Stopping again changes nothing. */
  stop(): bigint {
    // TODO: read the clock once and keep that reading as the end.
    throw new Error("TODO: Stopwatch.stop is not written yet");
  }

  get running(): boolean {
    // TODO: true until stop() is called.
    throw new Error("TODO: Stopwatch.running is not written yet");
  }
}

/** A point in time, timeoutMs after creation, on a monotonic clock. */
export class Deadline {
  readonly timeoutMs: number;
  private readonly clock: MonotonicClock;
  private readonly startNs: bigint;
  private readonly endNs: bigint;

  constructor(timeoutMs: number, clock: MonotonicClock = systemClock) {
    // TODO: reject a timeout that is not a finite number >= 0 with a RangeError that
    // says what was wrong; otherwise work out the end on the same clock it will be
    // compared with.
    throw new Error("TODO: Deadline is not written yet");
  }

  /** Milliseconds left, with a fraction; 0 once the deadline has passed. */
  remainingMs(): number {
    // TODO
    throw new Error("TODO: Deadline.remainingMs is not written yet");
  }

  /** True once the deadline has been reached. */
  expired(): boolean {
    // TODO
    throw new Error("TODO: Deadline.expired is not written yet");
  }

  /** Throws DeadlineExceededError, naming `what`, once the deadline has been reached. */
  throwIfExpired(what = "the operation"): void {
    // TODO: throw new DeadlineExceededError(what, this.timeoutMs, <ms past the deadline>).
    throw new Error("TODO: Deadline.throwIfExpired is not written yet");
  }
}
