// Split a stream of bytes into lines: what Python's `sys.stdin.readline` and
// Node's `node:readline` do, plus a limit on the length of a line.
//
// A read() returns whatever the kernel had at that moment, so a chunk may end
// in the middle of a line, or in the middle of a multi-byte UTF-8 character.
// We therefore work on raw bytes: find the newline byte (0x0A), keep the bytes
// of an unfinished line for the next chunk, and decode only complete lines.
// Cutting at 0x0A never splits a character, because in UTF-8 that byte only
// ever means "\n" (every byte of a multi-byte character is 0x80 or above).
//
// The rules (each one is checked by the lab's tests):
//  - "\n" ends a line; a "\r" just before it is removed too (files written on
//    Windows end lines with "\r\n"). A "\r" anywhere else is kept.
//  - The last line counts even without a final "\n"; a final "\n" does not
//    make an extra empty line. Empty lines in between are kept.
//  - Invalid UTF-8 becomes U+FFFD "�", one per invalid sequence (the rule of
//    TextDecoder and Buffer#toString). This is decided on the bytes of the
//    whole line, never per chunk, so a valid character split across two chunks
//    is always put back together. A byte-order mark is kept, not removed.
//  - A line longer than `maxLineBytes` bytes (not counting "\n" or "\r\n")
//    throws LineTooLongError as soon as more bytes than that are buffered, so
//    memory stays bounded whatever the input: a 1 GB line costs a few times
//    `maxLineBytes` (the unfinished line, one chunk, their concatenation),
//    never a gigabyte.
//  - It is pull-based: an async generator runs only when the consumer asks for
//    the next line, so the next chunk is read only when the buffered bytes
//    cannot give that line. A slow consumer slows the reading down
//    (backpressure), and breaking out of the consumer's loop ends our
//    `for await`, which closes the source.
//
// (The course's benchmark measures this against node:readline and against a
// variant tuned for speed: course/bench/04-stdin-lines.ts.)

/** What a source may yield: bytes, or text that is already decoded. */
export type Chunk = Uint8Array | string;

/** Anything `for await` can walk: `process.stdin`, a socket, a file stream, an array of chunks. */
export type ByteSource = AsyncIterable<Chunk> | Iterable<Chunk>;

export interface LinesOptions {
  /** The longest line accepted, in bytes, without its line ending. Default: DEFAULT_MAX_LINE_BYTES. */
  maxLineBytes?: number;
}

/** 1 MiB: far longer than any sensible text line, far shorter than memory. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/** Thrown by lines() when a line is longer than `maxLineBytes`. */
export class LineTooLongError extends Error {
  /** 1 for the first line of the input. */
  readonly lineNumber: number;
  readonly maxLineBytes: number;
  constructor(lineNumber: number, maxLineBytes: number) {
    super(
      `line ${lineNumber} is longer than ${maxLineBytes} bytes (the maxLineBytes limit); ` +
        `split the input into shorter lines, or raise the limit if such lines are expected`,
    );
    this.name = "LineTooLongError";
    this.lineNumber = lineNumber;
    this.maxLineBytes = maxLineBytes;
  }
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** The lines of `source`, decoded as UTF-8, without their line endings. */
export async function* lines(source: ByteSource, options: LinesOptions = {}): AsyncIterableIterator<string> {
  checkSource(source);
  const maxLineBytes = checkLimit(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  // The bytes of the line that is not finished yet.
  let unfinished = Buffer.alloc(0);
  // How many lines have been handed over; the line being built is lineNumber + 1.
  let lineNumber = 0;

  for await (const chunk of source) {
    // The unfinished line goes in front of the new bytes. (This copies the
    // unfinished line once per chunk; the limit below bounds that copy.)
    const bytes = unfinished.length === 0 ? toBytes(chunk) : Buffer.concat([unfinished, toBytes(chunk)]);
    let start = 0;
    for (let newline = bytes.indexOf(NEWLINE); newline !== -1; newline = bytes.indexOf(NEWLINE, start)) {
      lineNumber += 1;
      yield decodeLine(bytes.subarray(start, newline), lineNumber, maxLineBytes);
      start = newline + 1;
    }
    // A copy: the source may reuse its buffer for its next read.
    unfinished = Buffer.from(bytes.subarray(start));
    // Too long already, even before its newline comes? (The + 1 leaves room
    // for a "\r" whose "\n" is in the next chunk.)
    if (unfinished.length > maxLineBytes + 1) throw new LineTooLongError(lineNumber + 1, maxLineBytes);
  }

  // End of input: a last line without "\n" is still a line.
  if (unfinished.length > 0) yield decodeLine(unfinished, lineNumber + 1, maxLineBytes);
}

/** The text of one complete line (its "\n" already cut off): drop a final "\r", check the length, decode. */
function decodeLine(line: Buffer, lineNumber: number, maxLineBytes: number): string {
  const end = line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.length - 1 : line.length;
  if (end > maxLineBytes) throw new LineTooLongError(lineNumber, maxLineBytes);
  return line.toString("utf8", 0, end);
}

/** A chunk as bytes; a Buffer or a Uint8Array is used as it is, without copying. */
function toBytes(chunk: Chunk): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`lines() reads chunks of bytes (Buffer, Uint8Array) or strings, but the source gave ${describe(chunk)}`);
}

function checkSource(source: unknown): void {
  if (typeof source === "string") {
    throw new TypeError("lines() reads a stream or an iterable of chunks, not a string: wrap it, as in lines([text])");
  }
  const iterable = typeof source === "object" && source !== null && (Symbol.asyncIterator in source || Symbol.iterator in source);
  if (!iterable) {
    throw new TypeError(`lines() needs a stream or an iterable of chunks (such as process.stdin), not ${describe(source)}`);
  }
}

function checkLimit(maxLineBytes: number): number {
  if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) {
    throw new RangeError(`maxLineBytes must be a whole number of bytes, 1 or more, not ${String(maxLineBytes)}`);
  }
  return maxLineBytes;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "no class"})`;
  return `a ${typeof value}`;
}
