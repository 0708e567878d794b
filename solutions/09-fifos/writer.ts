// Lab 09, part 3: the writing side. Many writers share one FIFO; what keeps
// their records from mixing is PIPE_BUF: the kernel writes a write() of at
// most PIPE_BUF bytes into a pipe in one piece, never interleaved with
// another writer's bytes. Larger writes may be split and interleaved.
import { closeSync, constants, fstatSync, openSync, writeSync } from "node:fs";

/** Linux's PIPE_BUF (limits.h): the largest write() to a pipe that is atomic. */
export const PIPE_BUF = 4096;

/** Nobody has the FIFO open for reading (ENXIO, EPIPE), or there is no FIFO (ENOENT). */
export class CollectorNotRunningError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
  ) {
    super(`collector not running: nobody reads ${path} (${code}); start the collector first`);
    this.name = "CollectorNotRunningError";
  }
}

/** A record (plus its "\n") longer than PIPE_BUF could be split among other writers' records. */
export class RecordTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`a record of ${bytes} bytes with its newline is over PIPE_BUF (${PIPE_BUF}) and would not be written atomically; shorten it`);
    this.name = "RecordTooLargeError";
  }
}

/** A newline inside a record would make it two records. */
export class RecordHasNewlineError extends Error {
  constructor() {
    super("a record must not contain a newline: the collector splits records at newlines");
    this.name = "RecordHasNewlineError";
  }
}

/** The FIFO stayed full for longer than fullTimeoutMs: the collector is not keeping up. */
export class FifoFullError extends Error {
  constructor(
    readonly path: string,
    readonly waitedMs: number,
  ) {
    super(`the FIFO ${path} stayed full for ${waitedMs} ms: the collector is not reading`);
    this.name = "FifoFullError";
  }
}

export interface WriterOptions {
  /**
   * How long write() waits for room when the FIFO is full (EAGAIN) before it
   * rejects with FifoFullError. Default 10 000 ms.
   */
  fullTimeoutMs?: number;
}

export interface FifoWriter {
  /**
   * Write one record as one write() of `record + "\n"`. When the FIFO is full,
   * retries (with a short, growing delay) until it fits or fullTimeoutMs passed.
   */
  write(record: string): Promise<void>;
  close(): void;
}

/** The newline-terminated bytes of a record, checked to be one atomic write. */
export function encodeRecord(record: string): Buffer {
  if (record.includes("\n")) throw new RecordHasNewlineError();
  const bytes = Buffer.from(`${record}\n`, "utf8");
  if (bytes.length > PIPE_BUF) throw new RecordTooLargeError(bytes.length);
  return bytes;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Open the FIFO for writing without ever waiting for a reader. */
export function openWriter(path: string, options: WriterOptions = {}): FifoWriter {
  const fullTimeoutMs = options.fullTimeoutMs ?? 10_000;
  let fd: number;
  try {
    // No O_CREAT: a missing FIFO must not turn into a regular file.
    // O_NONBLOCK: with no reader, fail with ENXIO instead of waiting forever.
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENXIO" || code === "ENOENT") throw new CollectorNotRunningError(path, code);
    throw err;
  }
  if (!fstatSync(fd).isFIFO()) {
    closeSync(fd);
    throw new Error(`${path} is not a FIFO; the collector creates it`);
  }

  const write = async (record: string): Promise<void> => {
    const bytes = encodeRecord(record);
    const started = performance.now();
    let delayMs = 1;
    for (;;) {
      try {
        // One write(): at most PIPE_BUF bytes, so the kernel writes all of it
        // or, on a full FIFO with O_NONBLOCK, none of it (EAGAIN).
        writeSync(fd, bytes);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // Node ignores SIGPIPE, so a vanished reader shows up as EPIPE here.
        if (code === "EPIPE") throw new CollectorNotRunningError(path, code);
        if (code !== "EAGAIN") throw err;
      }
      const waited = performance.now() - started;
      if (waited >= fullTimeoutMs) throw new FifoFullError(path, Math.round(waited));
      // Nothing was written: waiting and writing the same bytes again is safe.
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 50);
    }
  };

  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    closeSync(fd);
  };
  return { write, close };
}
