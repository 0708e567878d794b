// Lab 06 tests, part 1: Stopwatch and Deadline.
//
// Most tests inject a clock that only moves when the test says so, so the
// answers are exact. Vitest's fake timers stand in for a wall clock being set:
// they move Date (and, where said, performance.now and process.hrtime) without
// touching the real machine.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Deadline, DeadlineExceededError, NotMonotonicError, Stopwatch, systemClock, type MonotonicClock } from "@impl/06-clocks/stopwatch";
import { expectThrows, waitFor } from "../../../course/testkit";

const MS = 1_000_000n; // nanoseconds per millisecond
const HOUR_MS = 3_600_000;

/** A clock that moves only when told to. */
function manualClock(startNs: bigint): { clock: MonotonicClock; advance(ns: bigint): void; set(ns: bigint): void } {
  let now = startNs;
  return {
    clock: () => now,
    advance: (ns) => {
      now += ns;
    },
    set: (ns) => {
      now = ns;
    },
  };
}

/** Past 2^53 ns (104 days of uptime), where Number(ns) can no longer hold every nanosecond. */
const LONG_UPTIME_NS = 2n ** 62n + 3n;

/** Wait (for real) until the system's monotonic clock has moved on by `ns`. */
async function monotonicTimePasses(ns: bigint): Promise<void> {
  const from = process.hrtime.bigint();
  await waitFor(`the monotonic clock to advance ${ns} ns`, () => process.hrtime.bigint() - from >= ns, { intervalMs: 2 });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("Stopwatch", () => {
  it("systemClock reads CLOCK_MONOTONIC in nanoseconds, as process.hrtime.bigint() does", () => {
    const before = process.hrtime.bigint();
    const reading = systemClock();
    const after = process.hrtime.bigint();
    expect(typeof reading).toBe("bigint");
    // Date.now() (wall time) or performance.now() (ms since this process began) land outside.
    expect(
      before <= reading && reading <= after,
      `systemClock() read ${reading}, outside [${before}, ${after}] read from process.hrtime.bigint() just before and after: ` +
        "it must read CLOCK_MONOTONIC in nanoseconds (not Date.now(), not performance.now())",
    ).toBe(true);
  });

  it("measures exactly what its clock says, in ns and in ms", () => {
    const time = manualClock(5_000_000_000n);
    const stopwatch = new Stopwatch(time.clock);
    expect(stopwatch.elapsedNs()).toBe(0n);
    time.advance(1_234_567n);
    expect(stopwatch.elapsedNs()).toBe(1_234_567n);
    expect(stopwatch.elapsedMs()).toBeCloseTo(1.234567, 9);
    time.advance(2_000n * MS);
    expect(stopwatch.elapsedMs()).toBeCloseTo(2001.234567, 9);
    expect(stopwatch.running, "a stopwatch runs from the moment it is made until stop()").toBe(true);
  });

  it("keeps every nanosecond when the clock reads past 2^53 ns (104 days of uptime)", () => {
    const time = manualClock(LONG_UPTIME_NS);
    const stopwatch = new Stopwatch(time.clock);
    time.advance(1n);
    expect(stopwatch.elapsedNs()).toBe(1n);
    expect(stopwatch.elapsedMs()).toBeCloseTo(0.000001, 9);
    time.advance(1_234_566n);
    // Subtract in bigint, then convert: Number() of a reading this big drops the last digits.
    expect(stopwatch.elapsedNs()).toBe(1_234_567n);
    expect(stopwatch.elapsedMs()).toBeCloseTo(1.234567, 9);
  });

  it("stop() freezes it; stopping again changes nothing", () => {
    const time = manualClock(LONG_UPTIME_NS);
    const stopwatch = new Stopwatch(time.clock);
    time.advance(10n * MS + 7n);
    expect(stopwatch.stop()).toBe(10_000_007n);
    expect(stopwatch.running, "after stop(), `running` must be false").toBe(false);
    time.advance(1_000n * MS);
    expect(stopwatch.elapsedNs()).toBe(10_000_007n);
    expect(stopwatch.elapsedMs()).toBeCloseTo(10.000007, 9);
    expect(stopwatch.stop()).toBe(10_000_007n);
  });

  it("reads only the clock it was given: Date, performance.now and hrtime jumping change nothing", () => {
    const time = manualClock(42n * MS);
    vi.useFakeTimers({ toFake: ["Date", "performance", "hrtime"] });
    const stopwatch = new Stopwatch(time.clock);
    vi.advanceTimersByTime(HOUR_MS);
    vi.setSystemTime(new Date("2001-01-01T00:00:00Z"));
    expect(stopwatch.elapsedNs()).toBe(0n);
    time.advance(3n);
    expect(stopwatch.elapsedNs()).toBe(3n);
  });

  it("the default clock ignores the wall clock being set back, or forward, by an hour", async () => {
    vi.useFakeTimers({ toFake: ["Date"] }); // only the wall clock is fake; timers stay real
    const lowerBound = process.hrtime.bigint();
    const stopwatch = new Stopwatch();
    await monotonicTimePasses(2n * MS);
    vi.setSystemTime(Date.now() - HOUR_MS); // someone sets the clock back an hour
    const afterBackwards = stopwatch.elapsedNs();
    vi.setSystemTime(Date.now() + 2 * HOUR_MS); // ...and then an hour ahead
    const afterForwards = stopwatch.elapsedNs();
    const upperBound = process.hrtime.bigint() - lowerBound;
    const why = "the default clock must be monotonic: setting the wall clock (Date) back or forward must not change elapsed time";
    expect(
      afterBackwards >= 2n * MS && afterBackwards <= upperBound,
      `after the wall clock went back an hour the stopwatch read ${afterBackwards} ns, not between 2 ms and ${upperBound} ns: ${why}`,
    ).toBe(true);
    expect(
      afterForwards >= afterBackwards && afterForwards <= upperBound,
      `after the wall clock jumped ahead two hours the stopwatch read ${afterForwards} ns, not between ${afterBackwards} and ${upperBound} ns: ${why}`,
    ).toBe(true);
  });

  it("throws NotMonotonicError, saying by how much, when its clock goes backwards", () => {
    const time = manualClock(1_000n * MS);
    const stopwatch = new Stopwatch(time.clock);
    time.advance(-5n);
    const error = expectThrows(() => stopwatch.elapsedNs(), NotMonotonicError, "stopwatch.elapsedNs()");
    expect(error.backwardsNs).toBe(5n);
  });
});

describe("Deadline", () => {
  it("expires exactly timeoutMs later on its clock", () => {
    const time = manualClock(7_000n * MS);
    const deadline = new Deadline(250, time.clock);
    expect(deadline.remainingMs()).toBeCloseTo(250, 9);
    expect(deadline.expired(), "expired() before the deadline must be false").toBe(false);
    time.advance(250n * MS - 1n);
    expect(deadline.remainingMs()).toBeCloseTo(0.000001, 9);
    expect(deadline.expired(), "expired() before the deadline must be false").toBe(false);
    time.advance(1n);
    expect(deadline.expired(), "expired() once its clock reached the deadline must be true").toBe(true);
    expect(deadline.remainingMs()).toBe(0);
    time.advance(5n * MS);
    expect(deadline.remainingMs()).toBe(0);
  });

  it("keeps nanoseconds past 2^53 ns, and takes fractional timeouts", () => {
    const time = manualClock(LONG_UPTIME_NS);
    const deadline = new Deadline(1, time.clock);
    time.advance(1n);
    expect(deadline.remainingMs()).toBeCloseTo(0.999999, 9);
    const half = new Deadline(0.5, time.clock);
    time.advance(499_999n);
    expect(half.expired(), "expired() before the deadline must be false").toBe(false);
    expect(half.remainingMs()).toBeCloseTo(0.000001, 9);
    time.advance(1n);
    expect(half.expired(), "expired() once its clock reached the deadline must be true").toBe(true);
  });

  it("throwIfExpired names the operation and how late it is, and is silent before the deadline", () => {
    const time = manualClock(LONG_UPTIME_NS);
    const deadline = new Deadline(250, time.clock);
    time.advance(100n * MS);
    expect(() => deadline.throwIfExpired("the upload")).not.toThrow();
    time.advance(155n * MS);
    const error = expectThrows(() => deadline.throwIfExpired("the upload"), DeadlineExceededError, "deadline.throwIfExpired('the upload')");
    const exceeded = error;
    expect(exceeded.what).toBe("the upload");
    expect(exceeded.timeoutMs).toBe(250);
    expect(exceeded.overdueMs).toBeCloseTo(5, 9);
    expect(exceeded.message).toContain("the upload");
  });

  it("reads only the clock it was given: Date, performance.now and hrtime jumping change nothing", () => {
    const time = manualClock(42n * MS);
    vi.useFakeTimers({ toFake: ["Date", "performance", "hrtime"] });
    const deadline = new Deadline(1_000, time.clock);
    vi.advanceTimersByTime(HOUR_MS);
    expect(deadline.expired(), "expired() before the deadline must be false").toBe(false);
    expect(deadline.remainingMs()).toBeCloseTo(1_000, 9);
    time.advance(1_000n * MS);
    expect(deadline.expired(), "expired() once its clock reached the deadline must be true").toBe(true);
  });

  it("the default clock ignores the wall clock being set forward a day", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const deadline = new Deadline(60_000);
    vi.setSystemTime(Date.now() + 24 * HOUR_MS);
    expect(deadline.expired(), "expired() before the deadline must be false").toBe(false);
    const left = deadline.remainingMs();
    expect(
      left > 0 && left <= 60_000,
      `remainingMs() was ${left} for a deadline a minute away after the wall clock moved a day ahead: measure on the monotonic clock`,
    ).toBe(true);
  });

  it("a zero timeout is expired at once; a timeout that is not a number >= 0 is a RangeError", () => {
    const time = manualClock(MS);
    expect(new Deadline(0, time.clock).expired(), "a deadline of 0 ms is already expired when made").toBe(true);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new Deadline(bad, time.clock)).toThrow(RangeError);
    }
  });
});
