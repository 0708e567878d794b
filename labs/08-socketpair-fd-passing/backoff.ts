// How long to wait before restarting a worker that died.
//
// A worker that crashes at once would be restarted in a tight loop, burning the
// CPU and filling the log. So each quick crash doubles the delay (up to a cap),
// and a worker that stayed up for `stableMs` counts as healthy again.
//
// Uptime must be measured on the monotonic clock (performance.now()): the wall
// clock (Date.now()) jumps when NTP or an administrator sets the time, and a
// jump would make a crash loop look like hours of healthy uptime.

export interface BackoffOptions {
  /** Delay after the first quick crash. */
  baseMs: number;
  /** The delay never grows beyond this. */
  maxMs: number;
  /** A worker that lived this long resets the delay to baseMs. */
  stableMs: number;
  /** A monotonic clock in milliseconds (tests inject one). */
  now?: () => number;
}

export class RestartBackoff {
  constructor(private readonly options: BackoffOptions) {
    // TODO: throw a RangeError (saying which values were wrong) unless
    // 0 < baseMs <= maxMs and stableMs > 0. Keep `options.now`, or
    // performance.now() when it is not given (never Date.now()).
    throw new Error("TODO: RestartBackoff constructor");
  }

  /** The worker this slot runs has just been started. */
  started(): void {
    // TODO: remember the start time (on the monotonic clock).
    throw new Error("TODO: RestartBackoff.started");
  }

  /** The worker has just died: milliseconds to wait before starting the next one. */
  exited(): number {
    // TODO: uptime = now - start. Uptime >= stableMs resets the count of quick
    // crashes. Count this crash; return baseMs * 2^(crashes - 1), capped at maxMs.
    throw new Error("TODO: RestartBackoff.exited");
  }
}
