// Lab 06, part 2: a trial period that setting the clock back does not extend.
//
// The naive check, `Date.now() - installedAt > 30 days`, trusts the wall clock,
// and anyone can set the wall clock back (the notebook shows it with libfaketime).
// Your detector keeps, in a state file, the latest wall time it can vouch for
// (its "trusted time") and refuses a wall clock that is behind it by more than
// a tolerance:
//
//  - across runs: trusted time never goes back. It is a high-water mark of every
//    wall time seen, so a clock set back before the last run is caught.
//  - within one boot: nobody can set back the time since boot (/proc/uptime).
//    If the boot id is the one saved last time, at least "uptime now - uptime
//    then" has really passed since the last save, so trusted time is at least
//    "trusted then + that". This catches a clock set back by less than the time
//    that has passed since the last run.
//
// The trial's remaining time is counted on trusted time, so a clock set back
// never buys more trial.
//
// State file contract (the tests check it):
//  - missing: this is the first run; a new trial starts and the file is written.
//  - unreadable or not valid state (not JSON, wrong fields, empty, a folder):
//    the verdict is "corrupt-state", with a message that says what is wrong and
//    what to do; the file is left exactly as it was. Never an exception, and
//    never a silent fresh trial (corrupting the file must not be a way to cheat).
//  - written atomically: write a temporary file next to it, then rename it over
//    the old one, so a crash while saving never leaves half a file behind.
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
  wallMs: () => {
    // TODO: the wall clock, ms since 1970.
    throw new Error("TODO: systemTrialClocks.wallMs is not written yet");
  },
  uptimeMs: () => {
    // TODO: the first number in /proc/uptime ("12345.67 23456.78") is seconds
    // since boot, suspend included. Return it in ms.
    throw new Error("TODO: systemTrialClocks.uptimeMs is not written yet");
  },
  bootId: () => {
    // TODO: the text of /proc/sys/kernel/random/boot_id, without the newline.
    throw new Error("TODO: systemTrialClocks.bootId is not written yet");
  },
};

/**
 * Check the trial recorded in `stateFile`, start it if there is none, and save
 * the updated state. Never throws over the state file's contents (see the top of
 * this file); throws only for bad options (RangeError) or when the state cannot
 * be written.
 */
export function trialStatus(stateFile: string, options: TrialOptions = {}): TrialStatus {
  // TODO:
  //  1. Options: trialMs (default DEFAULT_TRIAL_MS) must be > 0, toleranceMs
  //     (default DEFAULT_TOLERANCE_MS) >= 0, else RangeError. clocks default to
  //     systemTrialClocks.
  //  2. Load the state file: missing -> first run; corrupt -> return a CorruptState.
  //  3. Read the three clocks once, and work out trusted time (see the top).
  //  4. Save the new state (atomically), then return the report: "clock-set-back"
  //     when the wall clock is behind trusted time by more than toleranceMs,
  //     else "expired" when no trial time is left, else "active".
  throw new Error("TODO: trialStatus is not written yet");
}
