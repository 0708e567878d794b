// Lab 09, part 1: a named pipe on disk. Node has no fs.mkfifo(), so we run the
// `mkfifo` command (coreutils), asynchronously: execFileSync would freeze the
// event loop while it runs.
import { execFile } from "node:child_process";
import { chmodSync, lstatSync } from "node:fs";

/** The path exists but is not a FIFO: a regular file, a directory, a socket... */
export class NotAFifoError extends Error {
  constructor(
    readonly path: string,
    readonly found: string,
  ) {
    super(`${path} is a ${found}, not a FIFO: remove it or choose another path`);
    this.name = "NotAFifoError";
  }
}

/** What kind of file `path` is, in words, or undefined when nothing is there. */
export function fileKind(path: string): string | undefined {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  if (stats.isFIFO()) return "FIFO";
  if (stats.isFile()) return "regular file";
  if (stats.isDirectory()) return "directory";
  if (stats.isSocket()) return "socket";
  if (stats.isSymbolicLink()) return "symbolic link";
  return "special file";
}

/**
 * Make sure `path` is a FIFO with permissions `mode` (e.g. 0o600).
 * A FIFO already there is reused (a crashed collector leaves one behind) and
 * given `mode`; anything else there is refused with NotAFifoError, untouched.
 */
export async function createFifo(path: string, mode = 0o600): Promise<void> {
  const kind = fileKind(path);
  if (kind === "FIFO") {
    chmodSync(path, mode);
    return;
  }
  if (kind !== undefined) throw new NotAFifoError(path, kind);
  // `mkfifo -m MODE` sets exactly MODE; the process umask does not apply.
  await new Promise<void>((resolve, reject) => {
    execFile("mkfifo", ["-m", mode.toString(8), path], (err, _stdout, stderr) => {
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === "ENOENT" ? "the mkfifo command is not installed (it is part of coreutils)" : String(stderr).trim() || err.message;
      reject(new Error(`cannot create the FIFO ${path}: ${why}`));
    });
  });
}
