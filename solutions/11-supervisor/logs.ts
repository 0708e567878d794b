// Lab 11, part 3: the programs' logs.
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
    const out: Buffer[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) break;
      this.keep(chunk.subarray(start, newline));
      out.push(this.takeLine());
      start = newline + 1;
    }
    this.keep(chunk.subarray(start));
    return Buffer.concat(out);
  }

  /** The stream ended: the unterminated last line, if any (with a "\n" added). */
  end(): Buffer {
    return this.pendingBytes === 0 && this.dropped === 0 ? Buffer.alloc(0) : this.takeLine();
  }

  /** Keep what fits under the bound, count the rest. */
  private keep(bytes: Buffer): void {
    const room = this.maxLineBytes - this.pendingBytes;
    if (bytes.length <= room) {
      if (bytes.length > 0) this.pending.push(bytes);
      this.pendingBytes += bytes.length;
      return;
    }
    // A copy: the chunk may be large, and a subarray would keep all of it alive.
    if (room > 0) this.pending.push(Buffer.from(bytes.subarray(0, room)));
    this.pendingBytes += Math.max(room, 0);
    this.dropped += bytes.length - Math.max(room, 0);
  }

  private takeLine(): Buffer {
    const tail = this.dropped > 0 ? `${cutMarker(this.dropped)}\n` : "\n";
    const line = Buffer.concat([...this.pending, Buffer.from(tail)]);
    this.pending = [];
    this.pendingBytes = 0;
    this.dropped = 0;
    return line;
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
    const fresh = openSync(this.file, "a", 0o644);
    closeSync(this.fd);
    this.fd = fresh;
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
