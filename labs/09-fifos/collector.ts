// Lab 09, part 2: a log collector that reads newline-delimited records from a
// FIFO, for as long as it runs, however many writers come and go.
//
// Three decisions make it work with Node's event loop:
//  - open the read end with O_NONBLOCK: a plain open() of a FIFO waits for a
//    writer, and would freeze the whole process until one comes;
//  - keep a write end open ourselves: a FIFO reads end-of-file when its last
//    writer closes, so without it the first writer to leave would end us;
//  - read through net.Socket({ fd }): libuv polls the fd with epoll. A
//    fs.createReadStream() would do a blocking read() in a threadpool thread,
//    holding one of its 4 threads for as long as the FIFO is empty.
import { closeSync, constants, openSync, unlinkSync } from "node:fs";
import { Socket } from "node:net";
import { createFifo } from "./fifo";

export interface CollectorOptions {
  /** The FIFO's path; created when missing, reused when it is a FIFO. */
  path: string;
  /** Permissions of a FIFO the collector creates. Default 0o600. */
  mode?: number;
  /** Called once per record: a line, without its "\n". */
  onRecord: (record: string) => void;
}

export interface Collector {
  readonly path: string;
  /** Stop reading, close both ends, remove the FIFO. */
  close(): Promise<void>;
}

/** Splits a byte stream into lines; a line may arrive in several chunks. */
export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  /** Feed a chunk; returns the lines it completed. */
  push(chunk: Buffer): string[] {
    // TODO: append `chunk` to what is pending, cut out every complete line
    // (up to each 0x0a byte, the newline dropped), keep the rest for the next
    // chunk. Split the bytes first and decode each line afterwards: a UTF-8
    // character can be cut in two between chunks.
    throw new Error("TODO: LineSplitter.push is not written yet");
  }
}

/** Create (or reuse) the FIFO and start collecting records from it. */
export async function startCollector(options: CollectorOptions): Promise<Collector> {
  // TODO:
  // - await createFifo(path, mode ?? 0o600): it refuses a path that is not a FIFO.
  // - open the read end with O_RDONLY | O_NONBLOCK (returns at once), then a
  //   write end of our own with O_WRONLY | O_NONBLOCK (we are a reader now, so
  //   no ENXIO). Close the read end if the second open fails.
  // - new Socket({ fd: readFd, readable: true, writable: false }); on "data",
  //   feed a LineSplitter and call onRecord for each line; on "error", log it.
  // - close(): destroy the socket and wait for its "close" (it closes readFd),
  //   close the write end, unlink the FIFO. Calling it twice must be harmless.
  throw new Error("TODO: startCollector is not written yet");
}
