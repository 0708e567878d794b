// Lab 10, part 2: a queue between processes, over a socket.
// Write the functions and methods marked TODO.
//
// Processes share no memory, so a process queue must copy: serialize each
// message, write the bytes into a socket, and let the other side parse them
// back. That is what Python's multiprocessing.Queue does (pickle into a pipe,
// written by a feeder thread) and what Node's child.send() does (JSON or
// structured clone over a socketpair).
//
// A byte stream keeps no message boundaries, so each message travels as a
// frame: a 4-byte big-endian length, then that many bytes of v8.serialize()
// output (the structured clone format: numbers, strings, arrays, plain
// objects, Maps, Dates, typed arrays...).
//
// Writing to a socket is asynchronous: write() queues the bytes in user space
// and returns. A process that exits right after it loses whatever is still
// queued. So close() returns a promise that settles only when the kernel has
// every byte: await it before process.exit().
import type { Readable, Writable } from "node:stream";
import { deserialize, serialize } from "node:v8";

/** Frames bigger than this are refused: a corrupt length must not make us allocate gigabytes. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** The bytes that carry one message: a 4-byte big-endian length, then the serialized value. */
export function encodeFrame(value: unknown): Buffer {
  // TODO: body = serialize(value) (node:v8); refuse bodies over MAX_FRAME_BYTES
  // (RangeError); return a Buffer: 4-byte big-endian length, then the body.
  throw new Error("TODO: encodeFrame");
}

/** Cuts a byte stream back into messages, however the chunks fall. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Feed a chunk; get every message it completed, in order. */
  push(chunk: Buffer): unknown[] {
    // TODO: append the chunk to this.pending; while it holds a whole frame
    // (4 + length bytes), deserialize the body; keep the unfinished rest.
    // A length over MAX_FRAME_BYTES is corruption: throw a RangeError.
    throw new Error("TODO: FrameDecoder.push");
  }

  /** Bytes of an unfinished frame still held (0 at a clean end of stream). */
  get leftover(): number {
    // TODO: how many bytes of an unfinished frame are held.
    throw new Error("TODO: FrameDecoder.leftover");
  }
}

/** The sending end: put() never blocks; close() resolves once every frame is in the kernel. */
export class ProcessQueueWriter {
  private closed = false;

  constructor(private readonly stream: Writable) {
    // Without a listener, an error (the reader went away: EPIPE) would crash the process.
    stream.on("error", () => undefined);
  }

  put(value: unknown): void {
    // TODO: refuse put() after close(), and null (a TypeError: get() returns
    // null to mean "ended"); write encodeFrame(value) to the stream
    // (cork it until process.nextTick so small puts become one write).
    throw new Error("TODO: ProcessQueueWriter.put");
  }

  /** Flush everything and end the stream. Await it before exiting, or messages are lost. */
  close(): Promise<void> {
    // TODO: mark closed; resolve only when stream.end()'s callback runs (every
    // byte is in the kernel); reject with a clear message on "error".
    throw new Error("TODO: ProcessQueueWriter.close");
  }
}

/** The receiving end: get() resolves with the next message, or null at end of stream. */
export class ProcessQueueReader {
  private readonly decoder = new FrameDecoder();
  private readonly ready: unknown[] = [];
  private readIndex = 0;
  private waiter: (() => void) | null = null;
  private ended = false;
  private failure: Error | null = null;

  constructor(private readonly stream: Readable) {
    // TODO: on "data", push the chunk through this.decoder and append the
    // messages to this.ready (a decoding error: record it in this.failure and
    // destroy the stream); on "end", record a failure if this.decoder.leftover
    // is not 0, set this.ended; same on "close"; on "error", record a failure.
    // Call this.wake() after each so a waiting get() looks again.
    void this.stream;
    throw new Error("TODO: ProcessQueueReader constructor");
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  async get(): Promise<unknown> {
    // TODO: return the next decoded message; throw the recorded failure; return
    // null once the stream has ended; otherwise wait until wake() is called.
    throw new Error("TODO: ProcessQueueReader.get");
  }

  /** Every remaining message, until the writer closes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<unknown> {
    for (;;) {
      const message = await this.get();
      if (message === null) return;
      yield message;
    }
  }
}
