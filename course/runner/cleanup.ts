// Whatever the runner started is stopped when the runner stops, however it stops.
//
// A kernel runs in its own process group (so that an interrupt or a kill reaches everything its
// cells started), which also means the terminal's Ctrl-C and hang-up never reach it. So the
// runner itself catches SIGINT, SIGTERM and SIGHUP, and notices its own exit (an uncaught error,
// process.exit), and runs every registered clean-up synchronously first: kill the kernel's group,
// remove its folders. A SIGKILLed runner cannot clean up: the kernel's parent poller notices its
// parent is gone and takes its group down (course/kernel/parent-poller.cjs).
import os from "node:os";

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function runAll(): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // Best effort: one failed clean-up must not stop the others.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  process.stderr.write(`\nnotebook runner: stopped by ${signal}; the kernel and its processes were killed\n`);
  process.exit(128 + (os.constants.signals[signal] ?? 0));
}

/**
 * Register a synchronous clean-up that runs on SIGINT/SIGTERM/SIGHUP or exit; call the returned
 * function when done normally. The handlers are installed only while a clean-up is pending, so
 * the process keeps its usual signal behaviour otherwise.
 */
export function registerCleanup(cleanup: Cleanup): () => void {
  if (cleanups.size === 0) {
    for (const signal of SIGNALS) process.on(signal, onSignal);
    process.on("exit", runAll);
  }
  cleanups.add(cleanup);
  return () => {
    if (!cleanups.delete(cleanup) || cleanups.size > 0) return;
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off("exit", runAll);
  };
}
