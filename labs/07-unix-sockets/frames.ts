// A length-prefixed frame codec.
//
// A stream socket carries bytes, not messages: two writes may arrive as one
// `data` event, one write as several, and a split may fall anywhere, even
// inside the length header. So every message travels as a frame:
//
//   +----------------------------+-------------------+
//   | length: uint32 big-endian  | payload (length)  |
//   +----------------------------+-------------------+
//
// and the receiver reassembles frames from whatever chunks arrive. The length
// comes from the peer, so it is checked against a maximum before anything is
// buffered: otherwise one bad header makes the receiver wait for (and hold)
// up to 4 GiB.

export const HEADER_BYTES = 4;
/** Default largest payload accepted: 1 MiB. */
export const DEFAULT_MAX_FRAME = 1024 * 1024;

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

/** One frame: a 4-byte big-endian length, then the payload. */
export function encodeFrame(payload: Uint8Array, maxFrame = DEFAULT_MAX_FRAME): Buffer {
  // TODO: throw FrameTooLargeError if payload.length > maxFrame; otherwise
  // a Buffer of HEADER_BYTES + payload.length: writeUInt32BE(length, 0), then the payload.
  throw new Error("TODO: encodeFrame");
}

/** What a decoder keeps between pushes: add the fields you need. */
interface DecoderState {
  /** Received bytes that do not make a whole frame yet (a simple start; you may do better). */
  pending: Buffer;
}

/**
 * Turns chunks, cut anywhere, back into payloads. `push()` returns the frames
 * the chunk completed (zero, one or many) and keeps any partial frame for the
 * next chunk. Returned payloads may share memory with the chunks pushed.
 */
export class FrameDecoder {
  private readonly state: DecoderState = { pending: Buffer.alloc(0) };

  constructor(readonly maxFrame = DEFAULT_MAX_FRAME) {}

  /** Bytes received that do not yet make a whole frame. */
  get bufferedBytes(): number {
    // TODO: the length of what you keep between pushes.
    throw new Error("TODO: FrameDecoder.bufferedBytes");
  }

  push(chunk: Uint8Array): Buffer[] {
    // TODO: append the chunk to what is pending. While at least HEADER_BYTES are
    // there: read the length; over maxFrame -> throw FrameTooLargeError at once
    // (before waiting for the body); if the whole frame is there, take it and
    // go on; else stop. Keep the rest for the next push.
    throw new Error("TODO: FrameDecoder.push");
  }
}
