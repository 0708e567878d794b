// Lab 04, part 1: split a stream of bytes into lines.
//
// A read() returns whatever the kernel had at that moment: a chunk may end in
// the middle of a line, or in the middle of a multi-byte UTF-8 character. Your
// lines() must give the same lines however the input is chunked. The rules:
//  - "\n" ends a line; a "\r" just before it is removed too. A "\r" anywhere
//    else is kept.
//  - The last line counts even without a final "\n"; a final "\n" does not
//    make an extra empty line. Empty lines in between are kept.
//  - Invalid UTF-8 becomes U+FFFD "�", one per invalid sequence (what
//    Buffer#toString and TextDecoder do), decided on the whole line, never per
//    chunk: a valid character split across two chunks must come out whole.
//  - A line longer than `maxLineBytes` bytes (not counting "\n" or "\r\n")
//    throws LineTooLongError, as soon as more bytes than that are buffered, so
//    that memory stays bounded: a 1 GB line must not be read into memory.
//  - Read the next chunk only when the consumer asks for a line the buffered
//    bytes cannot give (backpressure). Breaking out of `for await` over
//    lines() must close the source.
//
// Run `npm run grade -- 04`; stuck? `npm run hint -- 04`.

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

/** The lines of `source`, decoded as UTF-8, without their line endings. */
export async function* lines(source: ByteSource, options: LinesOptions = {}): AsyncIterableIterator<string> {
  // TODO: `for await (const chunk of source)`, turn each chunk into bytes
  // (a string chunk: Buffer.from(chunk, "utf8")), look for the newline byte
  // 0x0A, `yield` every complete line, and keep the bytes after the last
  // newline for the next chunk. Decode a line only once it is complete.
  // Check `options.maxLineBytes` first: a RangeError if it is not a whole
  // number of bytes, 1 or more.
  throw new Error("TODO: lines() is not written yet");
}
