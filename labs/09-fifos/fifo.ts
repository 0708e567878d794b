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
  // TODO:
  // - fileKind(path) says what is there. A FIFO: give it `mode`, done.
  //   Anything else: throw new NotAFifoError(path, kind), and touch nothing.
  // - Nothing there: create a FIFO with exactly `mode`, whatever the umask,
  //   without freezing the event loop while it is made (the top of this file
  //   says how Node can make one). When that fails, reject with an Error that
  //   says which path and why.
  throw new Error("TODO: createFifo is not written yet");
}
