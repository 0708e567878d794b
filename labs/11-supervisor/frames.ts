// Given (you wrote this in lab 07): length-prefixed frames over a byte stream.
//
//   +----------------------------+-------------------------+
//   | length: uint32 big-endian  | payload: UTF-8 JSON     |
//   +----------------------------+-------------------------+
//
// A stream socket has no message boundaries, so each request and response
// travels as one frame. The length comes from the peer: it is checked against
// a maximum before anything is buffered.

export const HEADER_BYTES = 4;

/** A frame is longer than the receiver (or sender) allows. */
export class FrameTooLargeError extends Error {
  constructor(
    readonly length: number,
    readonly maxFrame: number,
  ) {
    super(`frame of ${length} bytes exceeds the maximum of ${maxFrame} bytes`);
    this.name = "FrameTooLargeError";
  }
}

/** One frame holding `value` as JSON. */
export function encodeJsonFrame(value: unknown, maxFrame: number): Buffer {
  const payload = Buffer.from(JSON.stringify(value), "utf8");
  if (payload.length > maxFrame) throw new FrameTooLargeError(payload.length, maxFrame);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

/**
 * Turns chunks, cut anywhere, back into payloads. `push()` returns the frames
 * the chunk completed (zero, one or many) and keeps the rest for later. It
 * throws FrameTooLargeError as soon as a header announces too much.
 */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  constructor(readonly maxFrame: number) {}

  push(chunk: Uint8Array): Buffer[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    for (;;) {
      if (this.pending.length < HEADER_BYTES) return frames;
      const length = this.pending.readUInt32BE(0);
      if (length > this.maxFrame) throw new FrameTooLargeError(length, this.maxFrame);
      if (this.pending.length < HEADER_BYTES + length) return frames;
      frames.push(this.pending.subarray(HEADER_BYTES, HEADER_BYTES + length));
      this.pending = this.pending.subarray(HEADER_BYTES + length);
    }
  }
}
