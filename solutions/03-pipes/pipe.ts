// makePipe(): a real kernel pipe, from Node, which has no pipe(2).
//
// (Given: this module is not a task of the lab.)
//
// spawn's "pipe" stdio makes a socketpair, not a pipe, and the two differ
// where a pipeline cares: the end, when the reader goes away. A pipe's
// writer then always gets EPIPE and SIGPIPE, which kills it quietly, the way
// `yes | head -1` needs (pipe(7)). A socket's writer gets the same only if
// it is not blocked at that moment; a writer blocked in write() on a full
// socket (unread data left in it) wakes up with ECONNRESET instead, an error
// it must handle (`yes` prints it and exits 1). So over a socketpair, how a
// pipeline ends would depend on timing (notebook 03 shows both cases). We
// make a pipe the other way the kernel offers: a FIFO is a pipe with a name.
// Create one, open its two ends, remove the name, and what remains is a pipe
// that only these two descriptors reach.
import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface Pipe {
  /** The read end: give it to the process that reads (as its fd 0). */
  readFd: number;
  /** The write end: give it to the process that writes (as its fd 1). */
  writeFd: number;
}

export function makePipe(): Pipe {
  const dir = mkdtempSync(path.join(tmpdir(), "pipe-"));
  const fifo = path.join(dir, "fifo");
  try {
    // Node has no mkfifo() either; the coreutils command makes the FIFO.
    execFileSync("mkfifo", ["-m", "600", fifo], { stdio: "ignore" });
    // Opening one end of a FIFO blocks until the other end is open, and Node
    // opens files synchronously here. Linux lets O_RDWR open at once; this
    // "anchor" counts as both a reader and a writer, so the two real opens
    // below return at once too. Then it goes: nothing may keep a spare end.
    const anchor = openSync(fifo, constants.O_RDWR);
    try {
      const readFd = openSync(fifo, constants.O_RDONLY);
      try {
        return { readFd, writeFd: openSync(fifo, constants.O_WRONLY) };
      } catch (err) {
        closeSync(readFd);
        throw err;
      }
    } finally {
      closeSync(anchor);
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`could not make a pipe through a FIFO in ${dir} (is mkfifo installed?): ${reason}`, { cause: err });
  } finally {
    // The open descriptors keep the pipe alive; the name is no longer needed.
    rmSync(dir, { recursive: true, force: true });
  }
}
