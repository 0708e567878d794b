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
  // TODO: refuse a record containing "\n" (RecordHasNewlineError); return
  // `record + "\n"` as UTF-8 bytes, refused (RecordTooLargeError) when it could
  // not be written atomically (see PIPE_BUF above).
  throw new Error("TODO: encodeRecord is not written yet");
}

/** Open the FIFO for writing without ever waiting for a reader. */
export function openWriter(path: string, options: WriterOptions = {}): FifoWriter {
  // TODO:
  // - open the FIFO for writing without ever waiting for a reader, and without
  //   creating anything when no FIFO is there. No collector running (nobody
  //   reads, or no FIFO): throw CollectorNotRunningError(path, code) at once.
  //   Refuse a path that is not a FIFO.
  // - write(record): encodeRecord, then the whole record in a single write
  //   (the top of this file says why). A full FIFO takes nothing: wait for
  //   room without blocking the event loop and without spinning, and give up
  //   with FifoFullError after options.fullTimeoutMs (default 10 000). A
  //   collector that went away while we write: CollectorNotRunningError.
  // - close(): close the fd once.
  throw new Error("TODO: openWriter is not written yet");
}
