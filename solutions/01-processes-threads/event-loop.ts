// How late the event loop runs while a task runs.
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

const NS_PER_MS = 1e6;

/**
 * Run `task` (sync or async) and measure the event-loop delay while it runs.
 * The task's result is passed through; if it throws or rejects, so does this.
 */
export async function measureEventLoopDelay<T>(task: () => T | Promise<T>, resolutionMs = 10): Promise<Measured<T>> {
  if (!Number.isSafeInteger(resolutionMs) || resolutionMs < 1) {
    throw new RangeError(`resolutionMs must be a whole number of milliseconds, at least 1, not ${String(resolutionMs)}`);
  }
  // A fresh histogram per call: reusing one would mix in earlier tasks.
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  const oneInterval = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, resolutionMs));
  histogram.enable();
  try {
    // The histogram's first tick only starts its clock and records nothing, so a task that
    // blocked at once would go unseen. Wait until it has recorded a sample: its clock runs. (Not
    // "one interval": on a busy machine our timer and its tick fall due together, and ours may
    // run first.)
    while (histogram.count === 0) await oneInterval();
    const result = await task();
    // It records only when its timer fires. If the task ended with a block, that tick is overdue
    // but has not run yet: wait until it has, so the last stretch is counted.
    const before = histogram.count;
    while (histogram.count === before) await oneInterval();
    histogram.disable();
    const samples = histogram.count;
    const delay: LoopDelay =
      samples === 0
        ? { samples: 0, minMs: 0, maxMs: 0, meanMs: 0, p99Ms: 0 }
        : {
            samples,
            minMs: histogram.min / NS_PER_MS,
            maxMs: histogram.max / NS_PER_MS,
            meanMs: histogram.mean / NS_PER_MS,
            p99Ms: histogram.percentile(99) / NS_PER_MS,
          };
    return { result, delay };
  } finally {
    // Also on failure: an enabled histogram keeps its timer running.
    histogram.disable();
  }
}
