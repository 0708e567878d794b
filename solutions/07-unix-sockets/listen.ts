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
import { lstatSync, unlinkSync } from "node:fs";
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
  return new Promise((resolve, reject) => {
    const probe = net.connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve("live");
    });
    probe.once("error", (err: NodeJS.ErrnoException) => {
      // ECONNREFUSED: the file is there but no socket listens on it any more.
      if (err.code === "ECONNREFUSED") resolve("stale");
      else reject(new Error(`cannot probe ${path} (${err.code ?? err.message}): check the path's permissions`));
    });
  });
}

/** Remove a stale socket file at `path`, or throw if the path is taken. Resolves when the path is free. */
async function clearPath(path: string): Promise<void> {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (!stats.isSocket()) throw new NotASocketError(path);
  if ((await probeSocket(path)) === "live") throw new AddressInUseError(path);
  try {
    unlinkSync(path);
  } catch (err) {
    // Someone else removed it meanwhile: the path is free all the same.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/**
 * Listen on the Unix socket `path` with the file's permissions set to `mode`
 * from the start. Resolves with the listening server; `server.close()`
 * removes the socket file.
 */
export async function listenUnix(path: string, onConnection: (socket: net.Socket) => void, { mode = 0o600 }: ListenUnixOptions = {}): Promise<net.Server> {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) throw new SocketPathTooLongError(path, bytes);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new RangeError(`mode must be permission bits between 0 and 0o777, got ${String(mode)}`);
  }
  await clearPath(path);

  const server = net.createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      // Another process took the path between our check and our bind.
      reject(err.code === "EADDRINUSE" ? new AddressInUseError(path) : err);
    };
    server.once("error", onError);
    // bind() creates the file with mode 0o777 & ~umask. Node binds synchronously
    // inside listen(), so a umask set around the call gives the file its final
    // mode at birth: no chmod, no window. The umask is process-wide, which is
    // why it is restored at once (a worker thread cannot even set it).
    // Another way: listen inside a fresh 0700 directory, chmod, then rename()
    // into place (rename is atomic) and unlink the file yourself on close.
    const previous = process.umask(~mode & 0o777);
    try {
      server.listen(path, () => {
        server.off("error", onError);
        resolve();
      });
    } finally {
      process.umask(previous);
    }
  });
  return server;
}
