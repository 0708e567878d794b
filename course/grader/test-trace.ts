// Loaded into the process that runs a lab's tests (a vitest setup file, added by
// the grader's vitest config only). Two things, both for a test that never
// gives control back (`while (true) {}`), which vitest itself cannot stop:
//  - "started" and "finished" events, written synchronously from this process.
//    vitest's own reports leave the worker in batches every 100 ms, so a test
//    that loops would take the news of its own start down with it; these lines
//    are already on disk. They say which test was running (when a run hangs,
//    when a left-behind process was born: `ticks` is the clock of /proc's
//    starttime); the lab's code runs here too and could write anything, so the
//    grader never takes a result from them (see events.ts).
//  - a heartbeat: a file touched every second while the event loop turns. When
//    it goes stale, this process is stuck in synchronous code, and the grader
//    stops the run instead of waiting for its overall time limit.
import { unlinkSync, writeFileSync } from "node:fs";
import { afterEach, beforeAll, beforeEach } from "vitest";
import { bootTicksNow } from "../foundation/proc";
import { recordTrace } from "./events";
import { explainFailure, type ErrorLike } from "./failure";
import { heartbeatFile, TRACE_DIR_VARIABLE } from "./run-env";
import { courseRoot } from "../foundation/layout";

const HEARTBEAT_INTERVAL_MS = 1_000;

function startHeartbeat(): void {
  const dir = process.env[TRACE_DIR_VARIABLE];
  // Setup files run again for every test file; one heartbeat per process is enough.
  const flags = globalThis as { courseHeartbeat?: boolean };
  if (!dir || flags.courseHeartbeat) return;
  flags.courseHeartbeat = true;
  const file = heartbeatFile(dir, process.pid);
  const beat = (): void => writeFileSync(file, "");
  beat();
  setInterval(beat, HEARTBEAT_INTERVAL_MS).unref();
  process.once("exit", () => {
    try {
      unlinkSync(file);
    } catch {
      // Already gone with the run's scratch folder.
    }
  });
}

startHeartbeat();

// This setup file runs again before each test file is loaded: a process born between here and
// the file's first beforeAll was started by top-level code (the lab's module, or the test file).
recordTrace({ type: "loading", pid: process.pid, ticks: bootTicksNow() });
beforeAll((suite) => {
  const file = (suite as { filepath?: unknown }).filepath;
  recordTrace({ type: "loaded", pid: process.pid, ticks: bootTicksNow(), file: typeof file === "string" ? file : "" });
});

interface TaskLike {
  name: string;
  suite?: TaskLike;
  file?: unknown;
  result?: { state?: string; errors?: unknown[]; startTime?: number };
}

function testRef(task: TaskLike): { file: string; path: string[] } {
  const path = [task.name];
  // Walk out through the describes; the file itself may close the chain, and
  // its name is the file's, not a describe's.
  for (let suite = task.suite; suite !== undefined && suite !== task.file; suite = suite.suite) path.unshift(suite.name);
  const file = task.file as { filepath?: unknown } | undefined;
  return { file: typeof file?.filepath === "string" ? file.filepath : "", path };
}

beforeEach(({ task }) => {
  recordTrace({ type: "started", at: Date.now(), pid: process.pid, ticks: bootTicksNow(), ...testRef(task) });
});

afterEach(({ task }) => {
  // By now vitest has set the test's state (pass or fail) and its errors;
  // only a failure in a later clean-up step could still change it, and then
  // the reporter's event, which comes after, has the last word.
  const result = (task as TaskLike).result;
  const failure = result?.state === "fail" ? explainFailure(result.errors?.[0] as ErrorLike | undefined, courseRoot) : undefined;
  recordTrace({
    type: "finished",
    from: "worker",
    pid: process.pid,
    ticks: bootTicksNow(),
    ...testRef(task),
    state: failure?.state ?? "pass",
    ...(failure ? { message: failure.message } : {}),
    durationMs: result?.startTime === undefined ? 0 : Math.max(0, Date.now() - result.startTime),
  });
});
