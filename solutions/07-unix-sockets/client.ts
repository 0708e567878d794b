// request(): one request, one reply, over a Unix socket, with a deadline.
import net from "node:net";
import { DEFAULT_MAX_FRAME, encodeFrame, FrameDecoder } from "./frames";

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
  return new Promise<Buffer>((resolve, reject) => {
    const decoder = new FrameDecoder(maxFrame);
    const socket = net.connect(path);
    let settled = false;
    const finish = (err: Error | null, reply?: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Always close: a timed-out request must not keep a connection open.
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => finish(new RequestTimeoutError(path, timeoutMs)), timeoutMs);

    socket.once("connect", () => socket.write(encodeFrame(payload, maxFrame)));
    socket.on("data", (chunk: Buffer) => {
      try {
        const frames = decoder.push(chunk);
        if (frames.length > 0) finish(null, Buffer.from(frames[0]!));
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.once("error", (err: NodeJS.ErrnoException) =>
      finish(new Error(`request to ${path} failed: ${err.code ?? err.message} (is the server running? is the path right?)`)),
    );
    socket.once("close", () => finish(new Error(`${path} closed the connection before replying`)));
  });
}
