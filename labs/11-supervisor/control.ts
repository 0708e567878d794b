// Lab 11, part 4: the control socket.
//
// Fill in the TODOs (clearStaleSocket, serveClient, serveControl). probe() and send() are given.
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

/** Make `socketPath` free to listen on, or throw NotASocketError / SocketInUseError. */
async function clearStaleSocket(socketPath: string): Promise<void> {
  // TODO: no file -> nothing to do. Not a socket (lstat) -> NotASocketError, never
  // delete it. A socket that a live server answers (probe) -> SocketInUseError.
  // A stale one (ECONNREFUSED: its supd was killed) -> unlink it.
  throw new Error("TODO: clearStaleSocket is not written yet");
}

function send(socket: net.Socket, response: Response): void {
  if (!socket.writable) return;
  socket.write(encodeJsonFrame(response, MAX_RESPONSE_BYTES));
}

/** Serve one client: check who it is, then answer its requests one at a time, in order. */
function serveClient(socket: net.Socket, handle: RequestHandler, options: Required<ControlOptions>): void {
  // TODO:
  //   - an "error" listener (a client vanishing must not crash supd);
  //   - idle clients: socket.setTimeout(options.idleTimeoutMs, ...) destroys a client
  //     that sends nothing, but not while one of its requests is being answered;
  //   - who is it: await peerCredentials(socket); undefined or another uid than
  //     options.allowedUid -> send a "permission-denied" response, end, answer nothing more;
  //   - a FrameDecoder(options.maxRequestBytes) over the "data" events; each frame ->
  //     parseRequest -> await handle(request) -> send(socket, response), IN ORDER;
  //     BadRequestError -> { ok: false, code: "bad-request", ... } and keep the connection;
  //     FrameTooLargeError -> a "too-large" response, then end this connection only.
  throw new Error("TODO: serveClient is not written yet");
}

/**
 * Listen on `socketPath` (mode 0600 from birth, a stale file replaced, a live
 * one refused) and answer each request with `handle`. `server.close()`
 * removes the socket file.
 */
export async function serveControl(socketPath: string, handle: RequestHandler, options: ControlOptions = {}): Promise<net.Server> {
  // TODO: fill in the options' defaults (MAX_REQUEST_BYTES, IDLE_TIMEOUT_MS,
  // process.getuid()), clearStaleSocket(), then net.createServer(serveClient...)
  // and listen(socketPath). The file must be 0600 when it appears: bind() creates
  // it with 0777 & ~umask, so set the umask around listen() and restore it at once
  // (a chmod afterwards leaves a window). An EADDRINUSE "error" -> SocketInUseError.
  throw new Error("TODO: serveControl is not written yet");
}
