// Lab 10, part 2: a queue between processes, over a socket.
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
  const body = serialize(value);
  if (body.length > MAX_FRAME_BYTES) throw new RangeError(`a message of ${body.length} bytes is over the ${MAX_FRAME_BYTES}-byte limit`);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/** Cuts a byte stream back into messages, however the chunks fall. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Feed a chunk; get every message it completed, in order. */
  push(chunk: Buffer): unknown[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: unknown[] = [];
    let offset = 0;
    while (this.pending.length - offset >= 4) {
      const length = this.pending.readUInt32BE(offset);
      if (length > MAX_FRAME_BYTES)
        throw new RangeError(`a frame announces ${length} bytes, over the ${MAX_FRAME_BYTES}-byte limit: the stream is corrupt or not a queue`);
      if (this.pending.length - offset - 4 < length) break;
      messages.push(deserialize(this.pending.subarray(offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
    this.pending = this.pending.subarray(offset);
    return messages;
  }

  /** Bytes of an unfinished frame still held (0 at a clean end of stream). */
  get leftover(): number {
    return this.pending.length;
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
    if (this.closed) throw new Error("put() after close(): this queue is closed");
    if (value === null) throw new TypeError("cannot put null: get() returns null to say the queue has ended; wrap it, e.g. { value: null }");
    const frame = encodeFrame(value);
    // Cork until the end of this tick, so that many small puts become one write().
    if (this.stream.writableCorked === 0) {
      this.stream.cork();
      process.nextTick(() => this.stream.uncork());
    }
    this.stream.write(frame);
  }

  /** Flush everything and end the stream. Await it before exiting, or messages are lost. */
  close(): Promise<void> {
    this.closed = true;
    return new Promise((resolve, reject) => {
      if (this.stream.writableFinished) return resolve();
      const onError = (err: Error): void => reject(new Error(`the queue could not flush its messages: ${err.message}`));
      this.stream.once("error", onError);
      // end()'s callback runs on "finish": every byte handed to the kernel.
      this.stream.end(() => {
        this.stream.off("error", onError);
        resolve();
      });
    });
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
    stream.on("data", (chunk: Buffer) => {
      try {
        for (const message of this.decoder.push(chunk)) this.ready.push(message);
      } catch (err) {
        this.failure = err instanceof Error ? err : new Error(String(err));
        stream.destroy();
      }
      this.wake();
    });
    stream.on("end", () => {
      if (this.decoder.leftover > 0)
        this.failure = new Error(`the stream ended inside a frame (${this.decoder.leftover} bytes of it): the writer exited before close() finished`);
      this.ended = true;
      this.wake();
    });
    stream.on("close", () => {
      this.ended = true;
      this.wake();
    });
    stream.on("error", (err: Error) => {
      this.failure = new Error(`the queue's socket failed: ${err.message}`);
      this.wake();
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  async get(): Promise<unknown> {
    for (;;) {
      if (this.readIndex < this.ready.length) {
        const message = this.ready[this.readIndex++];
        // Drop consumed messages now and then, so the array does not grow forever.
        if (this.readIndex > 1024 && this.readIndex * 2 > this.ready.length) {
          this.ready.splice(0, this.readIndex);
          this.readIndex = 0;
        }
        return message;
      }
      if (this.failure !== null) throw this.failure;
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
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
