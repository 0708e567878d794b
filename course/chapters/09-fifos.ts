import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "09",
  slug: "fifos",
  title: "FIFOs: named and unnamed pipes",
  summary:
    "Unnamed pipes reach only descendants, FIFOs reach anyone; mkfifo, file type p, open semantics (blocking, O_NONBLOCK, ENXIO), EOF and holding a write end, PIPE_BUF atomicity; a FIFO log collector and its writers.",
  lab: {
    timeLimitSeconds: 180,
    files: ["fifo.ts", "collector.ts", "writer.ts"],
    tasks: [
      {
        id: "createFifo",
        title: "createFifo(): mkfifo with exact permissions, refuse what is not a FIFO",
        short: "createFifo(): exact mode",
        points: 2,
        hints: [
          "What is already at the path? A FIFO can be reused; anything else must be left alone. lstat tells the file type.",
          "Make it with the mkfifo command (-m sets the mode, unaffected by the umask), run asynchronously. Refuse a regular file or a directory with NotAFifoError.",
        ],
      },
      {
        id: "collector",
        title: "The collector: never freezes the event loop, survives writers coming and going, splits records at newlines, removes the FIFO on close",
        short: "The collector",
        points: 6,
        hints: [
          "The notebook's open-semantics cells are the whole story: which open() returns at once, which fails, which waits. Anything that waits freezes Node's only thread. And what does a reader see when the last writer closes?",
          "Open the read end without blocking. While any write end is open the FIFO never reads end-of-file: the collector can hold one itself, so writers can come and go. Read through something that uses epoll, not a blocking read() parked in the threadpool (a stream over the fd that Node's net module can poll).",
          "Records are split at newlines, and a read can end in the middle of one: keep the bytes after the last newline for the next chunk, and decode a record only when it is whole. close() stops reading, closes both ends and removes the FIFO.",
        ],
      },
      {
        id: "writer",
        title: 'The writer: never hangs without a collector ("collector not running"), writes each record atomically, waits out a full FIFO',
        short: "The writer",
        points: 5,
        hints: [
          "A writer must never wait forever for a collector. What does open() for writing do when nobody reads, with and without O_NONBLOCK, and what does a write do when the reader has gone?",
          "Open without creating (no O_CREAT: a missing FIFO must not become a regular file) and without blocking; no reader, or no FIFO, means CollectorNotRunningError. A record is one write() of at most PIPE_BUF bytes, newline included (count bytes, not characters): only such a write is atomic among many writers.",
          "A full FIFO gives EAGAIN: wait a little (growing, short delays) and try the same whole record again, up to fullTimeoutMs, then FifoFullError. EPIPE means the collector went away.",
        ],
      },
      {
        id: "together",
        title: "8 writer processes x 2000 records, every one whole and exactly once",
        short: "8 writers, every record once",
        points: 3,
        hints: [
          "This test passes when the collector and writer tasks are right together: run it after them. A record lost or mixed points at non-atomic writes (more than one write per record) or at the collector losing a partial record between reads.",
          "Records missing at the end often mean the collector was closed before it had read everything, or a writer gave up on EAGAIN too soon.",
        ],
      },
    ],
  },
};
