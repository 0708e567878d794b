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
      { id: "Stopwatch", title: "systemClock and a Stopwatch on an injectable monotonic clock", points: 4 },
      { id: "Deadline", title: "A Deadline on the same clock", points: 3 },
      { id: "trialStatus", title: "Detect a clock set back: high-water mark, uptime within a boot, tolerance", points: 6 },
      { id: "trialState", title: "The state file: missing, corrupt, saved atomically", points: 3 },
    ],
    hints: [
      "Durations come from ONE clock that never jumps. Which Node call reads CLOCK_MONOTONIC in nanoseconds? (The notebook's first table.) And in the trial detector, ask: what can the person at the keyboard change, and what only the kernel can?",
      "Stopwatch and Deadline: keep every reading as a bigint and subtract in bigint; convert only the difference with Number(ns) / 1e6. Number(reading) of a clock past 2^53 ns (104 days of uptime) has lost its last digits. A Deadline works out its end once, startNs + BigInt(Math.round(timeoutMs * 1e6)), on the clock it was given, and compares readings of that same clock.",
      "trialStatus: trusted time = max(wall now, saved trustedMs); and when the boot id equals the saved one (uptimes of different boots do not compare), also at least saved trustedMs + (uptime now - saved uptimeMs). rollbackMs = trusted - wall; the clock is set back only when rollbackMs > toleranceMs. Remaining time = startedMs + trialMs - trusted.",
      "The clocks: wallMs is Date.now() (performance.now() counts from this process's start, not from 1970); uptimeMs is Number(first field of /proc/uptime) * 1000, which libfaketime cannot fake, unlike process.hrtime; bootId is /proc/sys/kernel/random/boot_id trimmed.",
      "The state file: readFileSync in a try; ENOENT means first run; any other error, empty text, bad JSON or a wrong field returns { verdict: \"corrupt-state\", message } naming the file, and writes nothing. Save with writeFileSync(`${file}.${process.pid}.tmp`, json) then renameSync over the file (mkdirSync(dirname, { recursive: true }) first). Order: load, read clocks once, compute, save, then pick the verdict: clock-set-back, else expired (remaining 0), else active.",
    ],
  },
};
