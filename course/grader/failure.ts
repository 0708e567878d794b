// Turning a test's error into a few readable lines for a learner: what went
// wrong, and where. vitest gives us the full error; the grader shows only the
// first lines, the essential part of a diff, and one source location.
import type { OutcomeState } from "./events";

/** The parts of a (serialized) error that the grader looks at. */
export interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  diff?: unknown;
  actual?: unknown;
}

const MAX_MESSAGE_LINES = 4;
const MAX_LINE_LENGTH = 240;
const MAX_DIFF_LINES = 6;

// vitest's own limit: "Test timed out in 20000ms.\nIf this is a long-running test, ..."
const VITEST_TIMEOUT = /^(Test|Hook) timed out in (\d+)ms/;
// The test-kit's limit, which names what it waited for: "timed out after 10000 ms waiting for ..."
const TESTKIT_TIMEOUT = /^timed out after \d+ ms waiting for /;

const ANSI_ESCAPE = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, "");
}

function text(value: unknown): string {
  return typeof value === "string" ? stripAnsi(value) : "";
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function firstLines(message: string): string[] {
  return message
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "")
    .slice(0, MAX_MESSAGE_LINES)
    .map((line) => (line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH)}…` : line));
}

/**
 * The changed lines of an assertion's diff ("- expected" / "+ received"), only
 * when the values span several lines (objects): for `expected 1 to be 2` the
 * message already says everything.
 */
function diffLines(error: ErrorLike): string[] {
  const diff = text(error.diff);
  if (!diff || !text(error.actual).includes("\n")) return [];
  const changed = diff
    .split("\n")
    .filter((line) => /^[-+] /.test(line) && !/^[-+] (Expected|Received)$/.test(line));
  const shown = changed.slice(0, MAX_DIFF_LINES);
  if (changed.length > shown.length) shown.push(`  … ${changed.length - shown.length} more changed lines`);
  return ["(- expected, + received)", ...shown];
}

/**
 * Where the error was thrown: the first stack frame in course code (the
 * learner's module for a `throw`, the test line for a failed expectation),
 * relative to the course root.
 */
function location(error: ErrorLike, courseRoot: string): string | undefined {
  for (const line of text(error.stack).split("\n")) {
    const frame = /^\s+at (?:.*? \()?(?:file:\/\/)?(\/[^():]+):(\d+):(\d+)\)?$/.exec(line);
    if (!frame) continue;
    const [, file = "", row, column] = frame;
    if (!file.startsWith(`${courseRoot}/`) || file.includes("/node_modules/")) continue;
    return `${file.slice(courseRoot.length + 1)}:${row}:${column}`;
  }
  return undefined;
}

/** Classify a failed test's first error and describe it in a few lines. */
export function explainFailure(error: ErrorLike | undefined, courseRoot: string): { state: OutcomeState; message: string } {
  if (!error) return { state: "fail", message: "the test failed without an error message" };
  const message = text(error.message);

  const vitestTimeout = VITEST_TIMEOUT.exec(message);
  if (vitestTimeout) {
    const limit = seconds(Number(vitestTimeout[2]));
    const what = vitestTimeout[1] === "Hook" ? "a setup or clean-up step of the test never finished" : "the lab code never returned";
    return { state: "timeout", message: `${what} (vitest's ${limit} limit)` };
  }
  if (error.name === "WaitTimeout" || TESTKIT_TIMEOUT.test(message)) {
    return { state: "timeout", message: firstLines(message).join("\n") };
  }

  const name = text(error.name);
  const lines = firstLines(message);
  // "Error" and "AssertionError" add nothing; "TypeError", "RangeError" do.
  if (name && name !== "Error" && name !== "AssertionError" && lines.length > 0) lines[0] = `${name}: ${lines[0]}`;
  if (lines.length === 0) lines.push(name ? `${name} (no message)` : "the test failed without an error message");
  lines.push(...diffLines(error));
  const where = location(error, courseRoot);
  if (where) lines.push(`at ${where}`);
  return { state: "fail", message: lines.join("\n") };
}
