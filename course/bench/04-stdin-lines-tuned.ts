// Chapter 04's lines(), tuned for the benchmark: the same rules and errors as
// the model answer in solutions/04-stdin-lines/lines.ts, written for speed
// rather than for reading. `npm run bench -- 04` measures the model against
// this and against node:readline. What it does differently:
//  - a fast path that decodes every complete line of a chunk with one
//    toString() and one split("\n"), when no line in it can be too long
//    (the same text as line by line: a "\n" ends any invalid sequence before
//    it), and a slow path that measures each line in bytes otherwise;
//  - the unfinished line kept as a list of pieces, joined once, instead of
//    being copied in front of every chunk;
//  - one array of lines per chunk, handed out by a plain iterator object
//    instead of an async generator's `yield` per line (see oneByOne).
// Not a learner's file: the lab's tests are written against the model.
import {
  type ByteSource,
  type Chunk,
  DEFAULT_MAX_LINE_BYTES,
  type LinesOptions,
  LineTooLongError,
} from "../../solutions/04-stdin-lines/lines";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** The lines of `source`, decoded as UTF-8, without their line endings: what lines() gives, faster. */
export function tunedLines(source: ByteSource, options: LinesOptions = {}): AsyncIterableIterator<string> {
  checkSource(source);
  const maxLineBytes = checkLimit(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  return oneByOne(lineBatches(source, maxLineBytes));
}

/** The work: the lines found in each chunk, as one array per chunk. */
async function* lineBatches(source: ByteSource, maxLineBytes: number): AsyncGenerator<string[], void, undefined> {
  // The bytes of the line that is not finished yet. They are copies: a source
  // may reuse its buffer for the next read once we ask for more.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // How many lines have been found; the line being built is lineNumber + 1.
  let lineNumber = 0;

  for await (const chunk of source) {
    const bytes = toBuffer(chunk);
    let batch: string[] = [];
    let start = 0;

    if (pendingBytes > 0) {
      const newline = bytes.indexOf(NEWLINE);
      if (newline === -1) {
        // Still the same line: keep it, unless it has just grown too long. The
        // +1 leaves room for a "\r" whose "\n" is in the next chunk.
        pending.push(Buffer.from(bytes));
        pendingBytes += bytes.length;
        if (pendingBytes > maxLineBytes + 1) throw new LineTooLongError(lineNumber + 1, maxLineBytes);
        continue;
      }
      // The first newline of the chunk finishes the pending line.
      pending.push(bytes.subarray(0, newline));
      const line = Buffer.concat(pending, pendingBytes + newline);
      pending = [];
      pendingBytes = 0;
      const end = contentEnd(line, 0, line.length);
      if (end > maxLineBytes) throw new LineTooLongError(lineNumber + 1, maxLineBytes);
      batch.push(line.toString("utf8", 0, end));
      lineNumber += 1;
      start = newline + 1;
    }

    // Every complete line in the rest of the chunk.
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    if (lastNewline >= start) {
      if (lastNewline - start <= maxLineBytes) {
        // Fast path: no line in here can be too long, so decode them all at
        // once (the same text as line by line: a "\n" ends any invalid
        // sequence before it) and split the string.
        const found = bytes.toString("utf8", start, lastNewline).split("\n");
        for (let i = 0; i < found.length; i++) {
          const line = found[i]!;
          if (line.charCodeAt(line.length - 1) === CARRIAGE_RETURN) found[i] = line.slice(0, -1);
        }
        lineNumber += found.length;
        // The array split() made is the batch (with the line finished above, if any, in front).
        if (batch.length > 0) found.unshift(...batch);
        batch = found;
      } else {
        // Slow path: measure each line in bytes before decoding it. The lines
        // before a line that is too long are still delivered, then the error.
        while (start <= lastNewline) {
          const newline = bytes.indexOf(NEWLINE, start);
          const end = contentEnd(bytes, start, newline);
          if (end - start > maxLineBytes) {
            if (batch.length > 0) yield batch;
            throw new LineTooLongError(lineNumber + 1, maxLineBytes);
          }
          batch.push(bytes.toString("utf8", start, end));
          lineNumber += 1;
          start = newline + 1;
        }
      }
      start = lastNewline + 1;
    }

    // The unfinished tail of the chunk waits for the next chunk.
    if (start < bytes.length) {
      pending = [Buffer.from(bytes.subarray(start))];
      pendingBytes = bytes.length - start;
      if (pendingBytes > maxLineBytes + 1) {
        if (batch.length > 0) yield batch;
        throw new LineTooLongError(lineNumber + 1, maxLineBytes);
      }
    }
    if (batch.length > 0) yield batch;
  }

  // End of input: a last line without "\n" is still a line.
  if (pendingBytes > 0) {
    const line = Buffer.concat(pending, pendingBytes);
    const end = contentEnd(line, 0, line.length);
    if (end > maxLineBytes) throw new LineTooLongError(lineNumber + 1, maxLineBytes);
    yield [line.toString("utf8", 0, end)];
  }
}

/** Where the text of the line bytes[start, end) ends: before a final "\r", if any. */
function contentEnd(bytes: Buffer, start: number, end: number): number {
  return end > start && bytes[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
}

/**
 * Hand out the lines of each batch one at a time.
 *
 * An async generator doing `for await (const batch of batches) yield* batch`
 * would be correct too. This is a plain iterator object because it runs once
 * per line, and an async generator's `yield` costs about twice as much as
 * returning a promise that is already settled; with millions of lines that is
 * the difference between trailing node:readline and beating it (see the
 * chapter's benchmark). The slow work, reading and splitting, happens once per
 * chunk in lineBatches.
 */
function oneByOne(batches: AsyncGenerator<string[], void, undefined>): AsyncIterableIterator<string> {
  let batch: string[] = [];
  let next = 0;
  // Set while the next batch is being read, so that a caller who asks again
  // without waiting gets the lines in order.
  let refilling: Promise<IteratorResult<string>> | undefined;

  async function refill(): Promise<IteratorResult<string>> {
    for (;;) {
      const result = await batches.next();
      if (result.done === true) return { done: true, value: undefined };
      batch = result.value;
      next = 0;
      if (batch.length > 0) return { done: false, value: batch[next++]! };
    }
  }

  const iterator: AsyncIterableIterator<string> = {
    next(): Promise<IteratorResult<string>> {
      if (refilling) return refilling.then(() => iterator.next());
      if (next < batch.length) return Promise.resolve({ done: false, value: batch[next++]! });
      refilling = refill().finally(() => {
        refilling = undefined;
      });
      return refilling;
    },
    // Called when the consumer stops early (`break`, an exception): this
    // closes the source, e.g. destroys the stream.
    async return(): Promise<IteratorResult<string>> {
      batch = [];
      await batches.return(undefined);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function toBuffer(chunk: Chunk): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  if (chunk instanceof Uint8Array) {
    // A Buffer is a Uint8Array; a plain Uint8Array is wrapped without copying.
    return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  throw new TypeError(`lines() reads chunks of bytes (Buffer, Uint8Array) or strings, but the source gave ${describe(chunk)}`);
}

function checkSource(source: unknown): void {
  if (typeof source === "string") {
    throw new TypeError("lines() reads a stream or an iterable of chunks, not a string: wrap it, as in lines([text])");
  }
  const iterable =
    typeof source === "object" && source !== null && (Symbol.asyncIterator in source || Symbol.iterator in source);
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
