// A trial period that setting the clock back does not extend.
//
// The naive check, `Date.now() - installedAt > 30 days`, trusts the wall clock,
// and anyone can set the wall clock back. This detector keeps, in a state file,
// the latest wall time it can vouch for (its "trusted time") and refuses a
// wall clock that is behind it:
//
//  - across runs: trusted time never goes back. It is a high-water mark of every
//    wall time seen, so a clock set back before the last run is caught.
//  - within one boot: the time since boot (/proc/uptime) cannot be set back by
//    anyone. If the boot id is the one saved last time, then at least
//    "uptime now - uptime then" has really passed since the last save, so
//    trusted time is at least "trusted then + that". This catches a clock set
//    back by less than the time that has passed since the last run.
//
// A small tolerance lets honest corrections through (NTP stepping the clock
// back a little). The trial's remaining time is counted on trusted time, so a
// clock set back never buys more trial.
//
// State file behaviour (the contract the tests check):
//  - missing: this is the first run; a new trial starts and the file is written.
//  - unreadable or not valid state (not JSON, wrong fields, empty, a folder):
//    the verdict is "corrupt-state", the trial does not run, and the file is
//    left exactly as it was, so a person can look at it. Never an exception,
//    and never a silent fresh trial (that would make corrupting the file a
//    way to cheat). To start over, remove the file.
//  - written atomically (a temporary file renamed over the old one), so a crash
//    while saving never leaves half a file behind.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The default trial length: 30 days. */
export const DEFAULT_TRIAL_MS = 30 * DAY_MS;
/** The default tolerance: a wall clock up to one minute behind is accepted. */
export const DEFAULT_TOLERANCE_MS = 60_000;

/** The clocks the detector reads. Tests pass their own; programs use systemTrialClocks. */
export interface TrialClocks {
  /** Wall-clock time in ms since 1970-01-01 UTC (CLOCK_REALTIME). */
  wallMs(): number;
  /** Time since boot in ms, suspend included (CLOCK_BOOTTIME), as /proc/uptime shows it. */
  uptimeMs(): number;
  /** This boot's id; a new one at every boot. */
  bootId(): string;
}

/** What is saved between runs (JSON). */
export interface TrialState {
  version: 1;
  /** Wall time when the trial began (ms since the epoch). */
  startedMs: number;
  /** The latest wall time the detector could vouch for at the last save. */
  trustedMs: number;
  /** Boot id at the last save. */
  bootId: string;
  /** Uptime (ms) at the last save; only comparable within the same boot. */
  uptimeMs: number;
}

export interface TrialOptions {
  /** Length of the trial in ms (default 30 days). */
  trialMs?: number | undefined;
  /** How far (ms) the wall clock may be behind trusted time before it counts as set back (default 60 s). */
  toleranceMs?: number | undefined;
  /** The clocks to read (default: systemTrialClocks). */
  clocks?: TrialClocks;
}

export interface TrialReport {
  /** active: within the trial; expired: trial over; clock-set-back: the wall clock is behind trusted time by more than the tolerance. */
  verdict: "active" | "expired" | "clock-set-back";
  /** True when this run found no state file and started the trial. */
  firstRun: boolean;
  /** Wall time when the trial began. */
  startedMs: number;
  /** The latest wall time the detector can vouch for now (never less than the wall clock). */
  trustedNowMs: number;
  /** How far the wall clock is behind trusted time, in ms (0 when it is not behind). */
  rollbackMs: number;
  /** Trial time left, counted on trusted time (0 when over). */
  remainingMs: number;
  /** One sentence for a person: what was found and what to do. */
  message: string;
}

export interface CorruptState {
  verdict: "corrupt-state";
  /** What is wrong with the file and what to do about it. The file is left untouched. */
  message: string;
}

export type TrialStatus = TrialReport | CorruptState;

/** The real clocks: Date.now(), /proc/uptime, /proc/sys/kernel/random/boot_id. */
export const systemTrialClocks: TrialClocks = {
  wallMs: () => Date.now(),
  uptimeMs: () => {
    // "12345.67 23456.78": seconds since boot (CLOCK_BOOTTIME), then idle time.
    // Read from the kernel as a file, so an LD_PRELOAD clock faker (libfaketime)
    // cannot change it, unlike every clock read through libc.
    const text = readFileSync("/proc/uptime", "utf8");
    const seconds = Number(text.split(" ")[0]);
    if (!Number.isFinite(seconds)) throw new Error(`cannot read the uptime from /proc/uptime: "${text.trim()}"`);
    return Math.round(seconds * 1000);
  },
  bootId: () => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(),
};

function days(ms: number): string {
  return `${(ms / DAY_MS).toFixed(1)} days`;
}

type Loaded = { kind: "missing" } | { kind: "state"; state: TrialState } | { kind: "corrupt"; why: string };

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Check that parsed JSON is a TrialState; return what is wrong, or undefined. */
function problemWith(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "it is not a JSON object";
  const record = value as Record<string, unknown>;
  if (record.version !== 1) return `"version" is ${JSON.stringify(record.version)}, not 1`;
  for (const field of ["startedMs", "trustedMs", "uptimeMs"] as const) {
    if (!isFiniteNumber(record[field])) return `"${field}" is ${JSON.stringify(record[field])}, not a number`;
  }
  if (typeof record.bootId !== "string" || record.bootId === "") return `"bootId" is missing`;
  if ((record.trustedMs as number) < (record.startedMs as number)) return `"trustedMs" is before "startedMs"`;
  return undefined;
}

function loadState(stateFile: string): Loaded {
  let text: string;
  try {
    text = readFileSync(stateFile, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    return { kind: "corrupt", why: `it cannot be read (${code ?? String(err)})` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: "corrupt", why: text.trim() === "" ? "it is empty" : "it is not valid JSON" };
  }
  const problem = problemWith(parsed);
  if (problem !== undefined) return { kind: "corrupt", why: problem };
  return { kind: "state", state: parsed as TrialState };
}

/** Write the state so that the file is always either the old or the new state, never half of one. */
function saveState(stateFile: string, state: TrialState): void {
  const temporary = `${stateFile}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(stateFile), { recursive: true });
    writeFileSync(temporary, JSON.stringify(state) + "\n", { mode: 0o600 });
    renameSync(temporary, stateFile);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw new Error(`cannot save the trial state to ${stateFile}: ${(err as Error).message}. ` + `Check that its folder can be created and written to.`, {
      cause: err,
    });
  }
}

function checkOptions(trialMs: number, toleranceMs: number): void {
  if (!isFiniteNumber(trialMs) || trialMs <= 0) throw new RangeError(`trialMs must be a number > 0, not ${trialMs}`);
  if (!isFiniteNumber(toleranceMs) || toleranceMs < 0) {
    throw new RangeError(`toleranceMs must be a number >= 0, not ${toleranceMs}`);
  }
}

/**
 * Check the trial recorded in `stateFile`, start it if there is none, and save
 * the updated state. Never throws over the state file's contents (see the top of
 * this file); throws only for bad options or when the state cannot be written.
 */
export function trialStatus(stateFile: string, options: TrialOptions = {}): TrialStatus {
  const { trialMs = DEFAULT_TRIAL_MS, toleranceMs = DEFAULT_TOLERANCE_MS, clocks = systemTrialClocks } = options;
  checkOptions(trialMs, toleranceMs);

  const loaded = loadState(stateFile);
  if (loaded.kind === "corrupt") {
    return {
      verdict: "corrupt-state",
      message:
        `the trial state file ${stateFile} is not valid: ${loaded.why}. It was left as it is. ` +
        `Restore it from a backup, or remove it to start a new trial.`,
    };
  }

  const wallMs = clocks.wallMs();
  const uptimeMs = clocks.uptimeMs();
  const bootId = clocks.bootId();

  let startedMs = wallMs;
  let trustedNowMs = wallMs;
  if (loaded.kind === "state") {
    const saved = loaded.state;
    startedMs = saved.startedMs;
    // Across runs and boots: trusted time never goes back.
    trustedNowMs = Math.max(wallMs, saved.trustedMs);
    // Within one boot: at least the uptime since the last save has really passed.
    const sinceSaveMs = uptimeMs - saved.uptimeMs;
    if (saved.bootId === bootId && sinceSaveMs >= 0) {
      trustedNowMs = Math.max(trustedNowMs, saved.trustedMs + sinceSaveMs);
    }
  }

  saveState(stateFile, { version: 1, startedMs, trustedMs: trustedNowMs, bootId, uptimeMs });

  const rollbackMs = trustedNowMs - wallMs;
  const remainingMs = Math.max(0, startedMs + trialMs - trustedNowMs);
  const report = { firstRun: loaded.kind === "missing", startedMs, trustedNowMs, rollbackMs, remainingMs };
  if (rollbackMs > toleranceMs) {
    return {
      verdict: "clock-set-back",
      ...report,
      message:
        `the system clock is ${days(rollbackMs)} (${rollbackMs} ms) behind the latest time this program has seen, ` +
        `${new Date(trustedNowMs).toISOString()}. Set the clock right and run again.`,
    };
  }
  if (remainingMs === 0) {
    return { verdict: "expired", ...report, message: `the trial ended on ${new Date(startedMs + trialMs).toISOString()}.` };
  }
  return { verdict: "active", ...report, message: `trial active: ${days(remainingMs)} left.` };
}
