// Deciding when to stop a lab's run: at its overall time limit, or as soon as a
// test process stops showing signs of life (its heartbeat file goes stale, see
// test-trace.ts), which only synchronous code that never returns can cause.
// (The other watchdog, the one that stops the run when the grader itself dies,
// is a separate process: see guard.ts.)
import { statSync } from "node:fs";
import { heartbeatFile, heartbeatPids } from "./run-env";
import { isAlive } from "../foundation/processes";

export interface StopReason {
  kind: "time-limit" | "stalled";
  /** The limit that was passed, in ms: the lab's time limit, or the silence allowed to a test process. */
  limitMs: number;
  /** When the run was stopped (Date.now()). */
  at: number;
  /** For "stalled": the test process that went silent. */
  pid?: number;
  /** Test processes whose event loop had not turned for several heartbeats when the run was stopped (stuck in synchronous code). */
  silentPids?: number[];
}

/** Silence that means "stuck": several missed heartbeats (one a second), more than a loaded machine's hiccup. */
export const SILENT_AFTER_MS = 5_000;

/** Live test processes whose heartbeat is older than `silentMs`, the most silent first. */
export function silentProcesses(heartbeatDir: string, silentMs: number): number[] {
  const silent: { pid: number; silentFor: number }[] = [];
  for (const pid of heartbeatPids(heartbeatDir)) {
    try {
      const silentFor = Date.now() - statSync(heartbeatFile(heartbeatDir, pid)).mtimeMs;
      // A process that exited without removing its file (killed by vitest) is not stuck.
      if (silentFor > silentMs && isAlive(pid)) silent.push({ pid, silentFor });
    } catch {
      // Removed while we looked: that process exited.
    }
  }
  return silent.sort((a, b) => b.silentFor - a.silentFor).map(({ pid }) => pid);
}

/** A live test process whose heartbeat is older than `stallMs`, if any. */
export function stalledProcess(heartbeatDir: string, stallMs: number): number | undefined {
  return silentProcesses(heartbeatDir, stallMs)[0];
}

/**
 * Call `stop` once, with the reason, when the run passes `timeLimitMs` or a test
 * process stays silent for `stallMs`. Returns a function that disarms it.
 */
export function watchRun(heartbeatDir: string, timeLimitMs: number, stallMs: number, stop: (reason: StopReason) => void): () => void {
  let stopped = false;
  const fire = (reason: StopReason): void => {
    if (stopped) return;
    stopped = true;
    disarm();
    stop({ ...reason, silentPids: silentProcesses(heartbeatDir, Math.min(SILENT_AFTER_MS, stallMs)) });
  };
  const limit = setTimeout(() => fire({ kind: "time-limit", limitMs: timeLimitMs, at: Date.now() }), timeLimitMs);
  const pulse = setInterval(
    () => {
      const pid = stalledProcess(heartbeatDir, stallMs);
      if (pid !== undefined) fire({ kind: "stalled", limitMs: stallMs, at: Date.now(), pid });
    },
    Math.min(1_000, stallMs / 2),
  );
  function disarm(): void {
    clearTimeout(limit);
    clearInterval(pulse);
  }
  return disarm;
}
