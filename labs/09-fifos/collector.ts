// Lab 09, part 2: a log collector that reads newline-delimited records from a
// FIFO, for as long as it runs, however many writers come and go.
//
// What it must do, with Node's single thread in mind:
//  - start at once, whether or not a writer has the FIFO open;
//  - keep the event loop, and libuv's small threadpool, free while the FIFO
//    is empty: the process hosting the collector has other work to do;
//  - keep collecting after a writer closes its end, even the last one:
//    writers come and go, the collector stays;
//  - cut what it reads into records at "\n", whatever pieces the reads return.
// The notebook's cells on how a FIFO opens, reads and ends show what stands in
// the way of each.
import { closeSync, constants, openSync, unlinkSync } from "node:fs";
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
    // TODO: return the lines this chunk completes (without their "\n") and
    // keep the rest for the next chunk. A read may end anywhere: in the middle
    // of a record, or in the middle of a UTF-8 character.
    throw new Error("TODO: LineSplitter.push is not written yet");
  }
}

/** Create (or reuse) the FIFO and start collecting records from it. */
export async function startCollector(options: CollectorOptions): Promise<Collector> {
  // TODO:
  // - make sure a FIFO is at `path`, with permissions mode ?? 0o600
  //   (createFifo refuses anything else).
  // - start reading it so that startCollector() resolves at once, writer or
  //   not, and nothing blocks the event loop or holds a threadpool thread while
  //   the FIFO is empty. Call onRecord once per record, and keep going when
  //   writers close their ends. An error while reading is logged, not thrown.
  // - close(): stop reading, close every descriptor you opened, remove the
  //   FIFO. Calling it twice must be harmless.
  throw new Error("TODO: startCollector is not written yet");
}
