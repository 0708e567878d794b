// listenUnix(): a Unix domain socket server that is safe to (re)start.
//
// A socket file is the server's address. bind() refuses to reuse an existing
// path (EADDRINUSE), even when the server that made it is long dead: the file
// outlives a crashed (SIGKILLed) server. So a restart has to decide, for the
// file already there:
//   - a live server answers connect()      -> refuse, never steal its address;
//   - a stale file answers ECONNREFUSED    -> remove it and listen;
//   - a regular file or anything else      -> refuse, it is not ours to delete.
// Permissions are the access control of a socket file (connect needs write
// permission on it). They must be right from the instant the file exists:
// a chmod() after listen() leaves a window in which anyone may connect.
import net from "node:net";

/** sun_path in struct sockaddr_un is 108 bytes, one of them the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

export interface ListenUnixOptions {
  /** Permission bits of the socket file, e.g. 0o600 (owner only, the default) or 0o660 (owner and group). */
  mode?: number | undefined;
}

/** The path does not fit in sockaddr_un (Node 20 would silently truncate it). */
export class SocketPathTooLongError extends Error {
  constructor(
    readonly path: string,
    readonly bytes: number,
  ) {
    super(
      `socket path is ${bytes} bytes, the limit is ${MAX_SOCKET_PATH_BYTES} (sockaddr_un.sun_path): ` +
        `use a shorter path, e.g. a short name in a directory near the root`,
    );
    this.name = "SocketPathTooLongError";
  }
}

/** A server is alive at this path: it answered connect(). */
export class AddressInUseError extends Error {
  readonly code = "EADDRINUSE";
  constructor(readonly path: string) {
    super(`a server is already listening on ${path}: stop it first, or choose another path`);
    this.name = "AddressInUseError";
  }
}

/** Something that is not a socket (a regular file, a directory...) occupies the path. */
export class NotASocketError extends Error {
  constructor(readonly path: string) {
    super(`${path} exists and is not a socket: refusing to delete it; remove it yourself or choose another path`);
    this.name = "NotASocketError";
  }
}

/** What connect() says about an existing socket file: "live" or "stale". */
export function probeSocket(path: string): Promise<"live" | "stale"> {
  // TODO: net.connect(path). "connect" -> destroy the probe, resolve "live".
  // "error" with code ECONNREFUSED -> resolve "stale" (nobody listens on that file).
  // Any other error (EACCES...) -> reject with a message that names the path.
  throw new Error("TODO: probeSocket");
}

/**
 * Listen on the Unix socket `path` with the file's permissions set to `mode`
 * from the start. Resolves with the listening server; `server.close()`
 * removes the socket file.
 */
export async function listenUnix(path: string, onConnection: (socket: net.Socket) => void, { mode = 0o600 }: ListenUnixOptions = {}): Promise<net.Server> {
  // TODO:
  // 1. Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES -> throw SocketPathTooLongError.
  // 2. lstat the path. Missing: fine. Not a socket: NotASocketError. A socket:
  //    probe it; "live" -> AddressInUseError; "stale" -> unlink it.
  //    (Never unlink without probing: that steals a live server's address.)
  // 3. Create the server and listen so that the file is born with `mode`:
  //    no chmod() after listen(). Node binds synchronously inside listen(),
  //    so a umask of (~mode & 0o777) set just around the call works; restore it.
  // 4. Resolve when listening; turn an "error" (EADDRINUSE: someone was faster)
  //    into a rejection.
  void net;
  throw new Error("TODO: listenUnix");
}
