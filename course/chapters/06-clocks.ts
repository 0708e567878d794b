import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "06",
  slug: "clocks",
  title: "Clocks: monotonic vs wall",
  summary:
    "Date.now() is CLOCK_REALTIME, hrtime is CLOCK_MONOTONIC; clocksources, vDSO, libfaketime; a Stopwatch, a Deadline and a trial period that a clock set back cannot fool.",
  lab: {
    timeLimitSeconds: 90,
    files: ["stopwatch.ts", "trial.ts", "trial-cli.ts"],
    tasks: [
      {
        id: "Stopwatch",
        title: "systemClock and a Stopwatch on an injectable monotonic clock",
        short: "A Stopwatch, monotonic",
        points: 4,
        hints: [
          "Durations come from ONE clock that never jumps. Which Node call reads CLOCK_MONOTONIC in nanoseconds? (The notebook's first table.)",
          "Keep every reading as a bigint and subtract in bigint; convert only the difference with Number(ns) / 1e6. Number() of a reading past 2^53 ns (104 days of uptime) has lost its last digits.",
          "Read only the clock you were given (no Date.now, no performance.now). stop() records one reading and freezes; a second stop changes nothing. A clock that goes backwards is a NotMonotonicError saying by how much.",
        ],
      },
      {
        id: "Deadline",
        title: "A Deadline on the same clock",
        short: "A Deadline",
        points: 3,
        hints: [
          "A deadline is a point on a clock, not a countdown. Which clock, and in which unit, so that it compares with the Stopwatch's readings?",
          "Work out the end once, at construction: the start reading plus the timeout converted to nanoseconds as a bigint (round the fractional milliseconds). expired() compares a new reading of the same clock with it.",
          "Validate the timeout (a number >= 0, else RangeError); a zero timeout is expired at once. throwIfExpired names the operation and how late it is.",
        ],
      },
      {
        id: "trialStatus",
        title: "Detect a clock set back: high-water mark, uptime within a boot, tolerance",
        short: "Detect a clock set back",
        points: 6,
        hints: [
          "What can the person at the keyboard change, and what only the kernel can? List the clocks this computer has and ask that of each.",
          "Trusted time never goes back: keep a high-water mark of the wall time seen so far. Within one boot (same boot id), also add the uptime that passed since the last run: uptimes of different boots do not compare.",
          "The clock was set back by trusted - wall; flag it only beyond the tolerance. Remaining time is counted from trusted time, never from the wall clock. The real clocks: wall time from Date.now(), uptime from /proc/uptime (which libfaketime cannot fake), the boot id from /proc/sys/kernel/random/boot_id.",
        ],
      },
      {
        id: "trialState",
        title: "The state file: missing, corrupt, saved atomically",
        short: "The trial's state file",
        points: 3,
        hints: [
          "Three cases for the state file: missing (first run), unreadable or corrupt, fine. What must happen in each, and what must never happen to a corrupt one?",
          "Missing means first run; any other read error, empty text, bad JSON or a wrong field gives the verdict corrupt-state with a message naming the file, and writes nothing. Save by writing a temporary file in the same folder and renaming it over the old one (create the folder first).",
        ],
      },
    ],
  },
};
