// Turning a test's error into readable lines for a learner: what went wrong,
// in the test's own words (its assertion message comes first and is never cut
// short), the changed lines of a diff, and one source location. A few of
// vitest's phrasings that say nothing to a learner are put into words.
import type { OutcomeState } from "./events";
import { seconds, stripAnsi } from "../foundation/text";

/** The parts of a (serialized) error that the grader looks at. */
export interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  diff?: unknown;
  actual?: unknown;
  code?: unknown;
}

// Only a safety valve against a test that compares megabytes (the whole text
// stays in the test's output): every message a test writes fits many times over.
const MAX_MESSAGE_CHARS = 6_000;
const MAX_DIFF_LINES = 12;

// vitest's own limit: "Test timed out in 20000ms.\nIf this is a long-running test, ..."
const VITEST_TIMEOUT = /^(Test|Hook) timed out in (\d+)ms/;
// The test-kit's limit, which names what it waited for: "timed out after 10000 ms waiting for ..."
const TESTKIT_TIMEOUT = /^timed out after \d+ ms waiting for /;

function text(value: unknown): string {
  return typeof value === "string" ? stripAnsi(value) : "";
}

/** The message's lines, blank ones dropped; cut only past MAX_MESSAGE_CHARS, and then it says so. */
function messageLines(message: string): string[] {
  let text = message;
  if (text.length > MAX_MESSAGE_CHARS) {
    text = `${text.slice(0, MAX_MESSAGE_CHARS)}… (${text.length - MAX_MESSAGE_CHARS} more characters: run the test file with npx vitest to see them)`;
  }
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "");
}

/**
 * vitest's wording for "the code did not throw", which reads as if something
 * were wrong with a value: `expected undefined to be an instance of X` (the test
 * caught nothing and checks what it caught), `promise resolved "…" instead of
 * rejecting`, `expected [Function] to throw an error`. The test's own message,
 * before the colon, is kept.
 */
export function plainWords(line: string): string {
  const nothingCaught = /^(.*?)expected undefined to be an instance of (\S+)$/.exec(line);
  if (nothingCaught) return `${nothingCaught[1]}expected it to throw ${nothingCaught[2]}, but it returned normally (nothing was thrown)`;
  const resolved = /^(.*?)promise resolved (.*) instead of rejecting$/.exec(line);
  if (resolved) return `${resolved[1]}expected it to fail (reject), but it returned normally (resolved with ${resolved[2]})`;
  // "... but got 'x'" or "... but [Error: x] was thrown": something was thrown, just not that.
  const didNotThrow = / but (got |\[.*\] was thrown)/.test(line) ? null : /^(.*?)expected \[Function.*?\] to throw (.*)$/.exec(line);
  if (didNotThrow) return `${didNotThrow[1]}expected it to throw ${didNotThrow[2]}, but it returned normally`;
  return line;
}

/** What an errno code means, for errors the kernel returned: the learner may not know them yet. */
const ERRNO_MEANING: Record<string, string> = {
  ENXIO: "no process has the FIFO open for reading (a non-blocking open for writing fails at once)",
  EPIPE: "the reading end is closed: nobody will read what is written",
  ENOENT: "there is no such file or directory",
  ECONNREFUSED: "nothing is listening on that socket (a stale socket file, or the server is gone)",
  ECONNRESET: "the other side closed the connection abruptly",
  EADDRINUSE: "the address (a socket path) is already in use",
  EACCES: "permission denied",
  EPERM: "the operation is not permitted",
  EAGAIN: "it would block: a non-blocking descriptor with nothing to read, or a full pipe",
  EBADF: "the descriptor is not open (closed already, or never opened)",
  EEXIST: "the file already exists",
  ESRCH: "there is no such process",
  EMFILE: "this process has too many files open (descriptors that are never closed?)",
  EINVAL: "an invalid argument",
  ENOTDIR: "a part of the path is not a directory",
  EISDIR: "it is a directory",
};

/** "(ENXIO: no process has the FIFO open ...)" when the error carries an errno code. */
function errnoNote(error: ErrorLike, message: string): string | undefined {
  const code = typeof error.code === "string" ? error.code : /\b(E[A-Z]{2,})\b/.exec(message)?.[1];
  const meaning = code === undefined ? undefined : ERRNO_MEANING[code];
  return meaning === undefined ? undefined : `(${code}: ${meaning})`;
}

/**
 * The changed lines of an assertion's diff ("- expected" / "+ received"), only
 * when the values span several lines (objects): for `expected 1 to be 2` the
 * message already says everything.
 */
function diffLines(error: ErrorLike): string[] {
  const diff = text(error.diff);
  if (!diff || !text(error.actual).includes("\n")) return [];
  const changed = diff.split("\n").filter((line) => /^[-+] /.test(line) && !/^[-+] (Expected|Received)$/.test(line));
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

/** Classify a failed test's first error and describe it: the whole message, an errno's meaning, the diff, where. */
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
    return { state: "timeout", message: messageLines(message).join("\n") };
  }

  const name = text(error.name);
  const lines = messageLines(message);
  if (lines.length > 0) lines[0] = plainWords(lines[0] ?? "");
  // "Error" and "AssertionError" add nothing; "TypeError", "RangeError" do.
  if (name && name !== "Error" && name !== "AssertionError" && lines.length > 0) lines[0] = `${name}: ${lines[0]}`;
  if (lines.length === 0) lines.push(name ? `${name} (no message)` : "the test failed without an error message");
  const errno = errnoNote(error, message);
  if (errno) lines.push(errno);
  lines.push(...diffLines(error));
  const where = location(error, courseRoot);
  // An error the test's own code raised (it opens, connects, spawns to check
  // the lab's work) is about what the lab's code did just before.
  const raisedByTestStep = name !== "AssertionError" && (error.code !== undefined || errno !== undefined || !/^(Error)?$/.test(name));
  if (where && /\/tests\//.test(where) && raisedByTestStep) {
    lines.push(`at ${where}: the test's own step failed, because of what your code did (or did not do) before it`);
  } else if (where) {
    lines.push(`at ${where}`);
  }
  return { state: "fail", message: lines.join("\n") };
}
