// Lab 11, part 3: the programs' logs.
//
// Fill in the TODOs (LineBuffer.push and end, LogFile.reopen; then logLines in program.ts).
//
// A program's stdout and stderr reach supd through two pipes (chapter 03), and
// supd writes them, line by line, to <logDir>/<program>.log. Why not hand the
// program the log file itself? Because then supd could never reopen it:
//   - logrotate renames supd.log and sends SIGHUP; the program would keep
//     writing into the renamed file for ever. Through pipes, supd alone holds
//     the file and reopens it (a new file under the old name) on SIGHUP.
//   - a line is written whole or not at all, so stdout and stderr never mix
//     inside one line; a line that never ends cannot grow supd's memory: past
//     MAX_LINE_BYTES it is cut, and the cut is said in the log.
// The one rule that costs data when broken: a pipe is read until its end (EOF),
// not until the program's exit. A program that writes fast and exits leaves
// its last lines in the pipe; they are still to be read after "exit".
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";

/** A line longer than this is cut: its first MAX_LINE_BYTES bytes are kept, the rest dropped and counted. */
export const MAX_LINE_BYTES = 8192;

/** What marks a cut line in the log, after the bytes that were kept. */
export function cutMarker(droppedBytes: number): string {
  return ` [supd: line cut, ${droppedBytes} more bytes dropped]`;
}

const NEWLINE = 0x0a;

/**
 * Cuts one byte stream into whole lines. push() returns the bytes of every
 * line the chunk completed (each ending in "\n"), ready to write; the rest
 * waits, at most maxLineBytes of it. end() returns the last, unterminated line.
 */
export class LineBuffer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes of the current line dropped past the bound. */
  private dropped = 0;

  constructor(readonly maxLineBytes: number = MAX_LINE_BYTES) {}

  push(chunk: Buffer): Buffer {
    // TODO: find each "\n" in the chunk (chunk.indexOf(0x0a, from)). The bytes before it
    // complete the pending line: keep what fits under maxLineBytes, count the rest in
    // `dropped`, and move the line (with cutMarker(dropped) before its "\n" when bytes were
    // dropped) to the output. What follows the last "\n" waits in `pending`, bounded too.
    throw new Error("TODO: LineBuffer.push is not written yet");
  }

  /** The stream ended: the unterminated last line, if any (with a "\n" added). */
  end(): Buffer {
    // TODO: nothing pending and nothing dropped -> an empty Buffer; else that last line, like push() does.
    throw new Error("TODO: LineBuffer.end is not written yet");
  }
}

/**
 * One program's log file, opened for appending. Writes are synchronous: lines
 * land in the order they were read, and reopen() never races a write in flight.
 */
export class LogFile {
  private fd: number;

  constructor(readonly file: string) {
    this.fd = openSync(file, "a", 0o644);
  }

  write(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
  }

  /**
   * logrotate renamed the file and sent SIGHUP: open the name again (a new,
   * empty file), then close the old descriptor. Open first: if the open
   * fails, keep writing to the old file rather than lose lines.
   */
  reopen(): void {
    // TODO: open this.file again ("a", 0o644), then close the old fd and keep the new one.
    throw new Error("TODO: LogFile.reopen is not written yet");
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** How much of a log's end lastLines() reads: a tail, not the whole file (and an answer that fits in one response frame, JSON escapes included). */
export const TAIL_READ_BYTES = 512 * 1024;

/** Given: the last `count` lines of a log file (at most its last TAIL_READ_BYTES); [] when it does not exist yet. */
export function lastLines(file: string, count: number): string[] {
  if (count <= 0) return [];
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_READ_BYTES);
    const buffer = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buffer, got, length - got, size - length + got);
      if (n === 0) break;
      got += n;
    }
    const lines = buffer.subarray(0, got).toString("utf8").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    // Read from the middle of the file: the first piece may be a partial line.
    if (length < size) lines.shift();
    return lines.slice(-count);
  } finally {
    closeSync(fd);
  }
}
