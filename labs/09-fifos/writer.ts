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
  // TODO: refuse a record containing "\n" (RecordHasNewlineError); encode
  // `record + "\n"` as UTF-8 and refuse it when it is longer than PIPE_BUF
  // BYTES (RecordTooLargeError): "é" is one character but two bytes.
  throw new Error("TODO: encodeRecord is not written yet");
}

/** Open the FIFO for writing without ever waiting for a reader. */
export function openWriter(path: string, options: WriterOptions = {}): FifoWriter {
  // TODO:
  // - openSync(path, O_WRONLY | O_NONBLOCK). No O_CREAT (a "w" flag would make
  //   a regular file), and O_NONBLOCK so that with no reader open() fails with
  //   ENXIO at once instead of waiting. ENXIO or ENOENT: throw
  //   CollectorNotRunningError(path, code). Check fstatSync(fd).isFIFO().
  // - write(record): encodeRecord, then ONE writeSync(fd, bytes). EAGAIN means
  //   the FIFO is full and nothing was written: wait a little (a growing
  //   setTimeout delay, never a busy loop) and try again, until
  //   options.fullTimeoutMs (default 10 000) has passed: then FifoFullError.
  //   EPIPE (the reader left; Node ignores SIGPIPE): CollectorNotRunningError.
  // - close(): close the fd once.
  throw new Error("TODO: openWriter is not written yet");
}
