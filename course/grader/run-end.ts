// How a lab's run ended, in words a learner can act on: vitest finished, or a test process
// crashed (out of memory, its descriptors closed), or the lab's code killed the run, or forged
// its results; and which test each left-behind process was born in.
import type { GradeEvent, Results } from "./events";
import type { OutcomeSummary, TestOutcome } from "./outcomes";
import type { Straggler } from "./processes";
import type { StopReason } from "./watchdog";

/** What the grader saw of vitest's end. */
export interface VitestEnd {
  /** vitest's exit code, or null when a signal ended it (or it never started). */
  code: number | null;
  signal: string | null;
  /** The guard went away before vitest did: the lab's code killed it. */
  guardDied?: string;
  stopped?: StopReason;
  cancelled: boolean;
  /** The end of vitest's own output. */
  output: string;
  /** The text of the results channel. */
  results: string;
  /** Test processes that died without exiting (their heartbeat file was left): killed by a signal, or crashed. */
  diedSuddenly?: number[];
}

type Started = Extract<GradeEvent, { type: "started" }>;
type Finished = Extract<GradeEvent, { type: "finished" }>;

const testName = (ref: { file: string; path: string[] }): string => `"${ref.path.join(" > ")}" (${ref.file})`;

/**
 * For each straggler, the tests that were running when it was born: its start time in /proc
 * against the trace's test starts and ends, per test process (tests in one process run one at a
 * time; files in two processes may overlap, and then both are named).
 */
export function attributeBirths(stragglers: Straggler[], trace: GradeEvent[]): void {
  const spans: { ref: Started; end: number }[] = [];
  for (const event of trace) {
    if (event.type !== "started" || event.ticks === undefined) continue;
    const end = trace.find(
      (other): other is Finished =>
        other.type === "finished" &&
        other.pid === event.pid &&
        other.file === event.file &&
        other.path.join("\0") === event.path.join("\0") &&
        (other.ticks ?? 0) >= (event.ticks ?? 0),
    );
    spans.push({ ref: event, end: end?.ticks ?? Number.POSITIVE_INFINITY });
  }
  const loading: { pid: number; from: number; to: number; file: string }[] = [];
  for (const [index, event] of trace.entries()) {
    if (event.type !== "loading") continue;
    const loaded = trace.slice(index + 1).find((other): other is Extract<GradeEvent, { type: "loaded" }> => other.type === "loaded" && other.pid === event.pid);
    if (loaded) loading.push({ pid: event.pid, from: event.ticks, to: loaded.ticks, file: loaded.file });
  }
  for (const straggler of stragglers) {
    const born = straggler.startTicks;
    if (born === undefined) continue;
    // /proc counts in ticks of 10 ms: one tick can hold the end of a file's loading and the start of
    // its first test. Such a tie goes to the test (a test that starts a process at once is common).
    const during = spans.filter(({ ref, end }) => (ref.ticks ?? 0) <= born && born <= end).map(({ ref }) => ref);
    if (during.length > 0) straggler.bornDuring = during.map((ref) => [ref.file, ...ref.path].join(" > "));
    else {
      const file = loading.find(({ from, to }) => from <= born && born <= to)?.file;
      if (file) straggler.bornWhileLoading = file;
    }
  }
}

const LEFT_RUNNING = "Wait for (or kill) every process your code starts, even when something fails; the grader killed it";

/**
 * A process left running fails the test it was born in (or, born outside any test, the lab, as an
 * outcome outside every task): a passing grade must never hide one.
 */
export function failLeavers(outcomes: TestOutcome[], stragglers: Straggler[]): TestOutcome[] {
  const result = outcomes.map((outcome) => ({ ...outcome }));
  const orphans: Straggler[] = [];
  for (const straggler of stragglers) {
    const what = `left process ${straggler.pid} running: ${straggler.command}`;
    const blamed = result.filter((outcome) => straggler.bornDuring?.includes([outcome.file, ...outcome.name.split(" > ")].join(" > ")));
    if (blamed.length === 0) {
      orphans.push(straggler);
      continue;
    }
    for (const outcome of blamed) {
      outcome.message = outcome.state === "pass" ? `It ${what}. ${LEFT_RUNNING}.` : `${outcome.message ?? ""}\nIt also ${what}. ${LEFT_RUNNING}.`;
      if (outcome.state === "pass") outcome.state = "fail";
    }
  }
  if (orphans.length > 0) {
    const list = orphans.map((s) => `process ${s.pid}: ${s.command}`).join("; ");
    const loading = [...new Set(orphans.map((s) => s.bornWhileLoading).filter((file): file is string => file !== undefined))];
    const when =
      loading.length > 0
        ? `started while ${loading.join(" and ")} was loading: by top-level code of a module it imports (code that runs at import, outside any function)`
        : "started outside any test (while a test file was loading, or after its tests)";
    result.push({
      file: loading[0] ?? "",
      name: "(processes left running, started outside any test)",
      task: null,
      state: "fail",
      message: `The lab left ${orphans.length === 1 ? "a process" : `${orphans.length} processes`} running (${list}), ${when}. ${LEFT_RUNNING}.`,
      durationMs: 0,
    });
  }
  return result;
}

/** The test that was running last (in the trace), named, or undefined. */
function lastRunning(trace: GradeEvent[]): string | undefined {
  const started = trace.filter((event): event is Started => event.type === "started");
  const finished = new Set(
    trace.filter((event): event is Finished => event.type === "finished").map((event) => `${event.pid}\0${event.file}\0${event.path.join("\0")}`),
  );
  const running = started.filter((event) => !finished.has(`${event.pid}\0${event.file}\0${event.path.join("\0")}`));
  const last = running.at(-1) ?? started.at(-1);
  return last ? testName(last) : undefined;
}

/** Why a test process died, read from vitest's output: a sentence, or undefined when the output says nothing known. */
export function crashCause(output: string): string | undefined {
  if (/heap out of memory|Allocation failed|ERR_WORKER_OUT_OF_MEMORY|Reached heap limit/i.test(output)) {
    return "a test process ran out of memory (the lab's code kept allocating: an array or string that grows without end, or a recursion that builds data)";
  }
  if (/EBADF|ERR_IPC_CHANNEL_CLOSED|Channel closed|ERR_IPC_DISCONNECTED|write EPIPE/i.test(output)) {
    return "a test process lost its connection to vitest (the lab's code closed file descriptors it did not open, such as 0, 1, 2 or vitest's channel on 3; close only the descriptors your code opened)";
  }
  if (/Worker exited unexpectedly|Worker forks emitted error|process\.exit|exited unexpectedly/i.test(output)) {
    return "a test process exited in the middle of the tests (the lab's code called process.exit(), or crashed Node; a module must throw an error, never exit)";
  }
  return undefined;
}

/** What outcomes.ts says of a test that vitest never reported; replaced by the reason when it is known. */
export const NO_RESULT = "vitest reported no result for this test";

export interface Ending {
  /** The sentence for LabRun.hung, when the run did not end normally. */
  hung?: string;
  /** Set when no pass of this run may count: why. */
  voidResults?: string;
  /** The reason to give tests that have no result. */
  noResultReason?: string;
}

/** Say how the run ended, when vitest did not simply finish; undefined fields when it did. */
export function explainEnd(end: VitestEnd, results: Results, trace: GradeEvent[], summary: OutcomeSummary): Ending {
  if (results.tampered) {
    const why = `the results channel carried ${results.tampered}: something other than the grader's reporter wrote to it, so no result of this run counts (results come only from vitest's main process; never write to descriptors your code did not open)`;
    return { hung: why, voidResults: why };
  }
  if (end.cancelled || end.stopped) return {};
  const ended = results.events.some((event) => event.type === "run-end");
  const during = lastRunning(trace);
  const when = during ? ` while ${during} was running` : "";
  if (end.guardDied) {
    const why = `${end.guardDied}${when}: nothing in the course stops it, so the lab's code killed it. Signal only the processes your code started.`;
    return { hung: why, noResultReason: "not finished: the test run was killed (see above)" };
  }
  if (end.signal !== null) {
    const why =
      `the whole test run was killed by ${end.signal}${when}. Nothing in the course sends that, so the lab's code did: ` +
      "process.kill(0, …), kill(-pgid, …) or kill(-1, …) signal every process of the group (or every process you own), the test run included. " +
      "Signal only the processes your code started: their pid, or the group of a child started with detached: true";
    return { hung: why, noResultReason: `not finished: the test run was killed by ${end.signal} (see above)` };
  }
  const cause = crashCause(end.output);
  if (cause !== undefined) {
    return { hung: `${cause}${when}`, noResultReason: `no result: ${cause.split(" (")[0]}` };
  }
  if ((end.diedSuddenly ?? []).length > 0) {
    const why = `a test process died suddenly${when}: killed by a signal, out of memory (its last words may be lost on a busy machine), or a crash of Node itself`;
    return { hung: why, noResultReason: "no result: its test process died suddenly (see above)" };
  }
  if (!ended && summary.compileError === undefined) {
    const tail = end.output.split("\n").slice(-3).join(" ").trim();
    const why = `vitest ended (exit code ${end.code ?? "none"})${when} before reporting every result${tail ? `; its last words: ${tail}` : ""}`;
    return { hung: why, noResultReason: "no result: vitest ended before reporting it (see above)" };
  }
  return {};
}
