// How long to wait before restarting a worker that died.
//
// A worker that crashes at once would be restarted in a tight loop, burning the
// CPU and filling the log. So each quick crash doubles the delay (up to a cap),
// and a worker that stayed up for `stableMs` counts as healthy again.
//
// Uptime is measured on the monotonic clock (performance.now()): the wall
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
  private readonly now: () => number;
  private startedAt: number | undefined;
  private quickCrashes = 0;

  constructor(private readonly options: BackoffOptions) {
    const { baseMs, maxMs, stableMs } = options;
    if (!(baseMs > 0) || !(maxMs >= baseMs) || !(stableMs > 0)) {
      throw new RangeError(`RestartBackoff needs 0 < baseMs <= maxMs and stableMs > 0, got baseMs=${baseMs} maxMs=${maxMs} stableMs=${stableMs}`);
    }
    this.now = options.now ?? (() => performance.now());
  }

  /** The worker this slot runs has just been started. */
  started(): void {
    this.startedAt = this.now();
  }

  /** The worker has just died: milliseconds to wait before starting the next one. */
  exited(): number {
    const uptime = this.startedAt === undefined ? 0 : this.now() - this.startedAt;
    this.startedAt = undefined;
    if (uptime >= this.options.stableMs) this.quickCrashes = 0;
    this.quickCrashes += 1;
    const delay = this.options.baseMs * 2 ** (this.quickCrashes - 1);
    return Math.min(this.options.maxMs, delay);
  }
}
