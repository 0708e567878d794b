// request(): one request, one reply, over a Unix socket, with a deadline.
import { DEFAULT_MAX_FRAME } from "./frames";

/** No reply came within the time allowed. */
export class RequestTimeoutError extends Error {
  constructor(
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply from ${path} within ${timeoutMs} ms: is the server busy or stuck?`);
    this.name = "RequestTimeoutError";
  }
}

export interface RequestOptions {
  /** Give up (and close the connection) after this long. Default 5000 ms. */
  timeoutMs?: number;
  /** Largest reply accepted. */
  maxFrame?: number;
}

/**
 * Connect to `path`, send `payload` as one frame, resolve with the payload of
 * the first frame that comes back, and close. Rejects with RequestTimeoutError
 * on the deadline, or with an error saying the server closed or refused.
 */
export function request(path: string, payload: Uint8Array, { timeoutMs = 5000, maxFrame = DEFAULT_MAX_FRAME }: RequestOptions = {}): Promise<Buffer> {
  // TODO: net.connect(path); on "connect" write encodeFrame(payload, maxFrame).
  // Feed every "data" chunk to a FrameDecoder; the first frame is the reply.
  // A timer of timeoutMs rejects with RequestTimeoutError. Settle once, and
  // on every outcome clear the timer and destroy the socket. "error" ->
  // reject with a message holding err.code (ENOENT, ECONNREFUSED); "close"
  // before a reply -> reject with "... closed the connection before replying".
  void timeoutMs;
  void maxFrame;
  throw new Error("TODO: request");
}
