// A small `nl`/`cat -n`: number the lines of its input.
//
//   node --import tsx solutions/04-stdin-lines/cli.ts [--max-line-bytes N] < input
//
// Every line, empty ones included, comes out as its number right-aligned in
// 6 columns, a tab, and the line: "     1\thello\n". Output lines always end
// in "\n", and invalid UTF-8 comes out as "�" (the rules of lines()).
//
// Exit status: 0 when all input was numbered, and also when the reader of our
// output went away early (`nl < big | head -1`: once head has its line there
// is nobody to write for, which is not a failure); 1 when a line is too long
// or reading or writing fails; 2 for a bad command line. Errors are one line
// on stderr, never a stack trace.
import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { type ByteSource, DEFAULT_MAX_LINE_BYTES, type LinesOptions, LineTooLongError, lines } from "./lines";

export const USAGE = "usage: nl [--max-line-bytes N] < input";

/** A bad command line; the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One output line: the number right-aligned in 6 columns, a tab, the text. */
export function formatLine(lineNumber: number, line: string): string {
  return `${String(lineNumber).padStart(6)}\t${line}\n`;
}

/**
 * Write the numbered lines of `input` to `output`; resolve with how many.
 *
 * Backpressure: when output.write() returns false, the stream's buffer is
 * full (the reader is slower than us), so we wait for "drain" before reading
 * on. Without that wait, a slow reader makes us read all the input into
 * memory. Rejects with the stream's error if writing fails (EPIPE included).
 */
export async function numberLines(input: ByteSource, output: Writable, options: LinesOptions = {}): Promise<number> {
  // An "error" event with no listener would crash the process, and a write
  // that returned true can still fail later: remember the first error.
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const onError = (err: Error): void => {
    failure ??= err;
    wake?.();
  };
  const onDrainOrClose = (): void => wake?.();
  output.on("error", onError);
  output.on("drain", onDrainOrClose);
  output.on("close", onDrainOrClose);
  // Why the output cannot take more, if it cannot. (A stream destroys itself
  // on a failed write and reports the error a moment later: `errored` has it
  // already.)
  const brokenBy = (): Error | undefined =>
    failure ?? output.errored ?? (output.destroyed ? new Error("the output was closed before all lines were written") : undefined);

  try {
    let count = 0;
    for await (const line of lines(input, options)) {
      const broken = brokenBy();
      if (broken) throw broken; // leaving the loop also closes the input
      count += 1;
      if (!output.write(formatLine(count, line))) {
        if (!brokenBy()) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    }
    // Wait until everything written so far has been handed over, so that a
    // failure of the last writes is reported here too.
    await new Promise<void>((resolve, reject) => {
      const broken = brokenBy();
      if (broken) return reject(broken);
      output.write("", (err) => (err ? reject(brokenBy() ?? err) : resolve()));
    });
    return count;
  } finally {
    output.off("drain", onDrainOrClose);
    output.off("close", onDrainOrClose);
    // A failed stream emits its "error" event a moment after the failure. We
    // have reported it already; keep listening so the event cannot crash us.
    if (!brokenBy()) output.off("error", onError);
  }
}

/** Read the command line: `--max-line-bytes N` (or `=N`). */
export function parseNlArgs(argv: readonly string[]): { maxLineBytes: number } {
  let values: { "max-line-bytes"?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { "max-line-bytes": { type: "string" } },
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const given = values["max-line-bytes"];
  if (given === undefined) return { maxLineBytes: DEFAULT_MAX_LINE_BYTES };
  const maxLineBytes = Number(given);
  if (!/^\d+$/.test(given) || !Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) {
    throw new UsageError(`--max-line-bytes takes a whole number of bytes, 1 or more, not "${given}"`);
  }
  return { maxLineBytes };
}

/** True for the error a write gets when the reading end is gone. */
export function isReaderGone(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "EPIPE";
}

/**
 * The whole CLI, with its streams passed in (so a test or a notebook can run
 * it on anything). Resolves with the exit status; never rejects.
 */
export async function runNl(argv: readonly string[], stdin: ByteSource, stdout: Writable, stderr: Writable): Promise<number> {
  // Node ignores SIGPIPE, so a vanished reader shows up as an EPIPE "error"
  // event on stdout, possibly after numberLines() has returned. This listener
  // stays for good so that such a late error never becomes a crash.
  stdout.on("error", () => undefined);
  try {
    const { maxLineBytes } = parseNlArgs(argv);
    await numberLines(stdin, stdout, { maxLineBytes });
    return 0;
  } catch (err) {
    if (isReaderGone(err)) return 0;
    if (err instanceof UsageError) {
      stderr.write(`nl: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof LineTooLongError) {
      stderr.write(`nl: line ${err.lineNumber} is longer than ${err.maxLineBytes} bytes; if such lines are expected, raise the limit with --max-line-bytes\n`);
      return 1;
    }
    stderr.write(`nl: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
