// Lab 04, part 2: a small `nl` (like `cat -n`) that numbers the lines of stdin.
//
//   node --import tsx labs/04-stdin-lines/cli.ts [--max-line-bytes N] < input
//
// Every line, empty ones included, comes out as its number right-aligned in
// 6 columns, a tab, and the line: "     1\thello\n" (formatLine below).
//
// Exit status: 0 when all input was numbered, and also when the reader of our
// output went away early (`nl < big | head -1` is not a failure); 1 when a
// line is too long or reading or writing fails; 2 for a bad command line.
// Errors are one line on stderr, starting with "nl: ", never a stack trace.
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
 * Rejects with the stream's error if writing fails (EPIPE included).
 */
export async function numberLines(input: ByteSource, output: Writable, options: LinesOptions = {}): Promise<number> {
  // TODO: for each line of lines(input, options), write formatLine(n, line).
  //  - Backpressure: when output.write() returns false, wait for the "drain"
  //    event before going on, or a slow reader makes you read all the input
  //    into memory.
  //  - A write can fail later, through an "error" event (EPIPE when the reader
  //    is gone). Listen for it, stop the loop (leaving `for await` closes the
  //    input) and reject with that error. Remove your listeners at the end.
  throw new Error("TODO: numberLines() is not written yet");
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
  // TODO: parse argv (parseNlArgs), then numberLines(stdin, stdout, ...).
  // Turn every failure into a message on `stderr` and an exit status:
  //  - the reader went away (isReaderGone): 0, and no message;
  //  - UsageError: "nl: <message>", then USAGE, and 2;
  //  - LineTooLongError: "nl: line N is longer than M bytes ...", and 1;
  //  - anything else: "nl: <message>", and 1.
  // Node ignores SIGPIPE, so a vanished reader arrives as an EPIPE "error"
  // event on stdout, maybe after numberLines() has finished: give stdout an
  // error listener that stays, or that late error crashes the process.
  throw new Error("TODO: runNl() is not written yet");
}
