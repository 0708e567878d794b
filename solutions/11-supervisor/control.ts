// Lab 11, part 4: the control socket.
//
// supd's only door. It must be:
//   - private from birth: mode 0600 from the instant the file exists (a chmod
//     after listen() leaves a window in which anyone may connect);
//   - safe to restart: a socket file left by a killed supd is stale (connect()
//     is refused) and is replaced; a live supd's socket is never stolen;
//   - strict about who asks: the kernel tells who connected (SO_PEERCRED) and
//     only supd's own uid is served (root bypasses the file's permissions);
//   - robust: a bad frame, an oversized one or a client that says nothing
//     costs that one client its connection, never the other clients' service.
import { lstatSync, unlinkSync } from "node:fs";
import net from "node:net";
import { FrameDecoder, FrameTooLargeError, encodeJsonFrame } from "./frames";
import { peerCredentials } from "./peercred";
import { BadRequestError, parseRequest, type Request, type Response } from "./protocol";

export const MAX_REQUEST_BYTES = 64 * 1024;
/** Responses carry status histories: allow them more room than requests. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** A client that sends no complete request for this long is disconnected. */
export const IDLE_TIMEOUT_MS = 5000;

export type RequestHandler = (request: Request) => Promise<Response>;

export interface ControlOptions {
  maxRequestBytes?: number;
  idleTimeoutMs?: number;
  /** The uid allowed to talk to supd (default: supd's own). */
  allowedUid?: number;
}

/** Another supd answers on this socket. */
export class SocketInUseError extends Error {
  constructor(readonly socketPath: string) {
    super(`another supd is listening on ${socketPath}: stop it first (supctl shutdown)`);
    this.name = "SocketInUseError";
  }
}

/** Something that is not a socket sits where the socket should go. */
export class NotASocketError extends Error {
  constructor(readonly socketPath: string) {
    super(`${socketPath} exists and is not a socket: refusing to delete it; remove it or choose another "socket" path`);
    this.name = "NotASocketError";
  }
}

/** "live" when a server answers at `socketPath`, "stale" when the file is there but nobody listens. */
function probe(socketPath: string): Promise<"live" | "stale"> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    socket.once("connect", () => {
      socket.destroy();
      resolve("live");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNREFUSED") resolve("stale");
      else reject(new Error(`cannot probe ${socketPath}: ${err.code ?? err.message}`));
    });
  });
}

async function clearStaleSocket(socketPath: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(socketPath).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (!isSocket) throw new NotASocketError(socketPath);
  if ((await probe(socketPath)) === "live") throw new SocketInUseError(socketPath);
  try {
    unlinkSync(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

function send(socket: net.Socket, response: Response): void {
  if (!socket.writable) return;
  socket.write(encodeJsonFrame(response, MAX_RESPONSE_BYTES));
}

/** Serve one client: check who it is, then answer its requests one at a time, in order. */
function serveClient(socket: net.Socket, handle: RequestHandler, options: Required<ControlOptions>): void {
  socket.on("error", () => undefined); // A client vanishing is its business, not supd's.
  // Idle means: no request being answered and none arriving. A request that takes
  // long (stop waits for a stop timeout) does not count as the client's silence.
  let busy = 0;
  socket.setTimeout(options.idleTimeoutMs, () => {
    if (busy === 0) socket.destroy();
    else socket.setTimeout(options.idleTimeoutMs);
  });
  const decoder = new FrameDecoder(options.maxRequestBytes);
  // Requests are answered in order; data that arrives before the peer check is queued behind it.
  let queue: Promise<void> = peerCredentials(socket).then((peer) => {
    if (peer === undefined || peer.uid !== options.allowedUid) {
      const who = peer === undefined ? "an unknown user" : `uid ${peer.uid}`;
      send(socket, { ok: false, code: "permission-denied", error: `permission denied: supd serves only uid ${options.allowedUid}, not ${who}` });
      socket.end();
      socket.removeAllListeners("data");
      throw new Error("refused");
    }
  });
  // A refused peer's chain stays rejected: nothing more is answered on it.
  queue.catch(() => undefined);
  socket.on("data", (chunk: Buffer) => {
    let frames: Buffer[];
    try {
      frames = decoder.push(chunk);
    } catch (err) {
      if (!(err instanceof FrameTooLargeError)) throw err;
      const reason = err.message;
      socket.removeAllListeners("data");
      queue = queue.then(() => {
        send(socket, { ok: false, code: "too-large", error: `request refused: ${reason}` });
        socket.end();
      });
      return;
    }
    for (const frame of frames) {
      busy += 1;
      queue = queue.then(async () => {
        let response: Response;
        try {
          response = await handle(parseRequest(frame));
        } catch (err) {
          response =
            err instanceof BadRequestError
              ? { ok: false, code: "bad-request", error: `bad request: ${err.message}` }
              : { ok: false, code: "failed", error: err instanceof Error ? err.message : String(err) };
        }
        busy -= 1;
        send(socket, response);
      });
    }
    queue.catch(() => undefined);
  });
}

/**
 * Listen on `socketPath` (mode 0600 from birth, a stale file replaced, a live
 * one refused) and answer each request with `handle`. `server.close()`
 * removes the socket file.
 */
export async function serveControl(socketPath: string, handle: RequestHandler, options: ControlOptions = {}): Promise<net.Server> {
  const settings: Required<ControlOptions> = {
    maxRequestBytes: options.maxRequestBytes ?? MAX_REQUEST_BYTES,
    idleTimeoutMs: options.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
    allowedUid: options.allowedUid ?? process.getuid!(),
  };
  await clearStaleSocket(socketPath);
  const server = net.createServer((socket) => serveClient(socket, handle, settings));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(err.code === "EADDRINUSE" ? new SocketInUseError(socketPath) : err));
    // bind() creates the file with 0777 & ~umask, and Node binds synchronously
    // inside listen(): a umask of 0177 around the call gives 0600 at birth.
    const previous = process.umask(0o177);
    try {
      server.listen(socketPath, () => resolve());
    } finally {
      process.umask(previous);
    }
  });
  return server;
}
