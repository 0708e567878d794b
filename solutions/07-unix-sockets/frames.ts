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
  if (payload.length > maxFrame) throw new FrameTooLargeError(payload.length, maxFrame);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, HEADER_BYTES);
  return frame;
}

/** What a decoder keeps between pushes. */
interface DecoderState {
  /** A header cut by a chunk boundary is collected here, 1 to 3 bytes at a time. */
  header: Buffer;
  headerFill: number;
  /**
   * A frame whose header is known but whose body is still arriving: the body
   * is allocated once at its announced size (already checked against
   * maxFrame) and filled in place, so a big frame in many chunks costs one copy.
   */
  body: Buffer | null;
  bodyFill: number;
}

/**
 * Turns chunks, cut anywhere, back into payloads. `push()` returns the frames
 * the chunk completed (zero, one or many) and keeps any partial frame for the
 * next chunk. Returned payloads may share memory with the chunks pushed.
 */
export class FrameDecoder {
  private readonly state: DecoderState = { header: Buffer.alloc(HEADER_BYTES), headerFill: 0, body: null, bodyFill: 0 };

  constructor(readonly maxFrame = DEFAULT_MAX_FRAME) {}

  /** Bytes received that do not yet make a whole frame. */
  get bufferedBytes(): number {
    const { headerFill, body, bodyFill } = this.state;
    return headerFill + (body === null ? 0 : HEADER_BYTES + bodyFill);
  }

  push(chunk: Uint8Array): Buffer[] {
    const state = this.state;
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const frames: Buffer[] = [];
    let offset = 0;
    for (;;) {
      if (state.body === null) {
        if (state.headerFill === 0 && data.length - offset >= HEADER_BYTES) {
          // Fast path: whole frames lying in the chunk are returned as views, no copy.
          const length = checkedLength(data.readUInt32BE(offset), this.maxFrame);
          const end = offset + HEADER_BYTES + length;
          if (end <= data.length) {
            frames.push(data.subarray(offset + HEADER_BYTES, end));
            offset = end;
            continue;
          }
          startBody(state, length);
          offset += HEADER_BYTES;
        } else {
          // Slow path: gather a header split across chunks.
          const take = Math.min(HEADER_BYTES - state.headerFill, data.length - offset);
          data.copy(state.header, state.headerFill, offset, offset + take);
          state.headerFill += take;
          offset += take;
          if (state.headerFill < HEADER_BYTES) return frames;
          state.headerFill = 0;
          startBody(state, checkedLength(state.header.readUInt32BE(0), this.maxFrame));
        }
      }
      const body = state.body!;
      const take = Math.min(body.length - state.bodyFill, data.length - offset);
      data.copy(body, state.bodyFill, offset, offset + take);
      state.bodyFill += take;
      offset += take;
      if (state.bodyFill < body.length) return frames;
      frames.push(body);
      state.body = null;
      if (offset === data.length) return frames;
    }
  }
}

/** The peer decides the length: refuse it from the header alone, before allocating anything. */
function checkedLength(length: number, maxFrame: number): number {
  if (length > maxFrame) throw new FrameTooLargeError(length, maxFrame);
  return length;
}

function startBody(state: DecoderState, length: number): void {
  state.body = Buffer.allocUnsafe(length);
  state.bodyFill = 0;
}
