// Lab 01, part 5: how late the event loop runs while a task runs.
//
// The event loop is cooperative scheduling: a callback runs until it returns
// or awaits, and nothing else in this thread runs meanwhile, not even a timer
// that is due. perf_hooks.monitorEventLoopDelay measures that: it starts a
// timer that should fire every `resolution` ms and records how long each
// interval really took (in nanoseconds), so an idle loop shows about the
// resolution and a blocked loop shows the length of the block.
import { monitorEventLoopDelay } from "node:perf_hooks";

/** Event-loop delay in milliseconds; every field is 0 when nothing was sampled. */
export interface LoopDelay {
  /** how many intervals were recorded */
  samples: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  p99Ms: number;
}

export interface Measured<T> {
  /** what the task returned (or resolved to) */
  result: T;
  delay: LoopDelay;
}

/**
 * Run `task` (sync or async) and measure the event-loop delay while it runs.
 * The task's result is passed through; if it throws or rejects, so does this.
 */
export async function measureEventLoopDelay<T>(task: () => T | Promise<T>, resolutionMs = 10): Promise<Measured<T>> {
  // TODO:
  // - resolutionMs must be a whole number ≥ 1, else throw a RangeError that says "resolution".
  // - Make a new histogram with monitorEventLoopDelay({ resolution }) for
  //   every call, enable() it, run and await the task, disable() it, and read
  //   count, min, max, mean and percentile(99). The histogram speaks
  //   nanoseconds; LoopDelay speaks milliseconds.
  // - The histogram records only when its own timer fires, and its very first
  //   tick records nothing. Think about what that means for a task that
  //   blocks as soon as it starts, or just before it ends.
  // - Disable the histogram even when the task fails.
  throw new Error("TODO: measureEventLoopDelay is not written yet");
}
