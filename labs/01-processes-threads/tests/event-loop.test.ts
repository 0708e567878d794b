// Lab 01 tests: measureEventLoopDelay. Lower bounds only: a loop blocked for
// 300 ms is late by at least that much, however busy the machine is.
import { describe, expect, it } from "vitest";
import { measureEventLoopDelay } from "@impl/01-processes-threads/event-loop";

/** Keep this thread busy for at least `ms` of wall time: the event loop cannot run. */
function blockFor(ms: number): void {
  const start = performance.now();
  while (performance.now() - start < ms) {
    // spin
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("measureEventLoopDelay", () => {
  it("sees a synchronous task block the loop, in milliseconds", async () => {
    const { result, delay } = await measureEventLoopDelay(() => {
      blockFor(300);
      return 42;
    });
    expect(result).toBe(42);
    expect(delay.maxMs).toBeGreaterThanOrEqual(250);
    // Nanoseconds or microseconds would be far above this.
    expect(delay.maxMs).toBeLessThan(60_000);
    expect(delay.samples).toBeGreaterThanOrEqual(1);
    expect(delay.minMs).toBeGreaterThan(0);
    expect(delay.minMs).toBeLessThanOrEqual(delay.meanMs);
    expect(delay.meanMs).toBeLessThanOrEqual(delay.maxMs);
    expect(delay.p99Ms).toBeLessThanOrEqual(delay.maxMs);
    expect(delay.p99Ms).toBeGreaterThanOrEqual(delay.minMs);
  });

  it("awaits an async task, and counts a block at its very end", async () => {
    const { result, delay } = await measureEventLoopDelay(async () => {
      await pause(30);
      blockFor(300);
      return "done";
    });
    expect(result).toBe("done");
    expect(delay.maxMs).toBeGreaterThanOrEqual(250);
    expect(delay.maxMs).toBeLessThan(60_000);
  });

  it("starts afresh on every call", async () => {
    const blocked = await measureEventLoopDelay(() => blockFor(800));
    expect(blocked.delay.maxMs).toBeGreaterThanOrEqual(750);
    // An idle loop is late by about the resolution (10 ms); 500 ms is a wide margin.
    const idle = await measureEventLoopDelay(() => pause(200));
    expect(idle.delay.samples).toBeGreaterThanOrEqual(1);
    expect(idle.delay.maxMs).toBeLessThan(500);
  });

  it("sees the block even when the machine is busy as it starts (every timer falls due at once)", async () => {
    // Another timer due before the histogram's first tick (a heartbeat, say), and this thread held
    // just after the call, as a busy machine holds it: when the loop runs again, all are overdue.
    // "Wait one interval, then run the task" then runs the task before the histogram's clock starts.
    setTimeout(() => undefined, 1);
    const measuring = measureEventLoopDelay(() => blockFor(300));
    blockFor(25);
    const { delay } = await measuring;
    expect(delay.maxMs).toBeGreaterThanOrEqual(250);
  });

  it("passes the task's error through", async () => {
    const failure = new Error("the task failed, on purpose");
    await expect(
      measureEventLoopDelay(async () => {
        await pause(5);
        throw failure;
      }),
    ).rejects.toBe(failure);
  });

  it("rejects a resolution that is not a positive whole number of ms", async () => {
    await expect(measureEventLoopDelay(() => 1, 0)).rejects.toThrow(RangeError);
    await expect(measureEventLoopDelay(() => 1, 0.5)).rejects.toThrow(/resolution/);
  });
});
