// Given: one request to supd over its control socket, with a timeout and
// errors a person can act on.
import net from "node:net";
import { FrameDecoder, encodeJsonFrame } from "./frames";
import type { Request, Response } from "./protocol";

export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export type ClientErrorKind = "not-running" | "permission-denied" | "timed-out" | "protocol";

export class ClientError extends Error {
  constructor(
    readonly kind: ClientErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "ClientError";
  }
}

/** Send `request`, resolve with supd's response (ok or not); ClientError when there is no answer. */
export function request(socketPath: string, req: Request, { timeoutMs = 5000 } = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
    let settled = false;
    const finish = (outcome: Response | ClientError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof ClientError) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(
      () => finish(new ClientError("timed-out", `supd did not answer within ${timeoutMs} ms (socket ${socketPath}): it may be busy or stuck`)),
      timeoutMs,
    );
    socket.once("connect", () => socket.write(encodeJsonFrame(req, MAX_RESPONSE_BYTES)));
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        return finish(new ClientError("protocol", `supd sent a bad frame: ${(err as Error).message}`));
      }
      const first = frames[0];
      if (first === undefined) return;
      try {
        finish(JSON.parse(first.toString("utf8")) as Response);
      } catch {
        finish(new ClientError("protocol", "supd answered something that is not JSON"));
      }
    });
    socket.once("end", () => finish(new ClientError("protocol", "supd closed the connection without an answer")));
    socket.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") finish(new ClientError("not-running", `supd is not running: there is no socket at ${socketPath}`));
      else if (err.code === "ECONNREFUSED") finish(new ClientError("not-running", `supd is not running: nobody listens on ${socketPath} (a stale socket)`));
      else if (err.code === "EACCES" || err.code === "EPERM")
        finish(new ClientError("permission-denied", `permission denied: you may not connect to ${socketPath} (it belongs to another user)`));
      else if (err.code === "ECONNRESET" || err.code === "EPIPE") finish(new ClientError("protocol", "supd closed the connection without an answer"));
      else finish(new ClientError("protocol", `cannot talk to supd at ${socketPath}: ${err.code ?? err.message}`));
    });
  });
}
