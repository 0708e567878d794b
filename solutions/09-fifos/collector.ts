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
  mode?: number | undefined;
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
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    let newline: number;
    // Split bytes, then decode each line: a UTF-8 character cut between two
    // chunks is whole again by then.
    while ((newline = data.indexOf(0x0a, start)) >= 0) {
      lines.push(data.subarray(start, newline).toString("utf8"));
      start = newline + 1;
    }
    this.pending = Buffer.from(data.subarray(start));
    return lines;
  }
}

/** Create (or reuse) the FIFO and start collecting records from it. */
export async function startCollector(options: CollectorOptions): Promise<Collector> {
  const { path, onRecord } = options;
  await createFifo(path, options.mode ?? 0o600);

  // Returns at once, writer or not.
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  let writeFd: number;
  try {
    // Cannot fail with ENXIO: we are a reader now.
    writeFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    closeSync(readFd);
    throw err;
  }

  // The socket owns readFd from here on and closes it when destroyed.
  const socket = new Socket({ fd: readFd, readable: true, writable: false });
  const splitter = new LineSplitter();
  socket.on("data", (chunk: Buffer) => {
    for (const line of splitter.push(chunk)) onRecord(line);
  });
  // With our own write end open there is no end-of-file and no error to expect;
  // log one rather than crash the process that hosts the collector.
  socket.on("error", (err) => console.error(`collector ${path}: ${err.message}`));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.destroy();
    }).then(() => {
      closeSync(writeFd);
      try {
        unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    });
    return closing;
  };
  return { path, close };
}
