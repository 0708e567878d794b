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
      { id: "createFifo", title: "createFifo(): mkfifo with exact permissions, refuse what is not a FIFO", points: 2 },
      { id: "collector", title: "The collector: non-blocking open, its own write end, net.Socket reads, records split at newlines, FIFO removed on close", points: 6 },
      { id: "writer", title: "The writer: O_NONBLOCK open, \"collector not running\", atomic records, EAGAIN waits", points: 5 },
      { id: "together", title: "8 writer processes x 2000 records, every one whole and exactly once", points: 3 },
    ],
    hints: [
      "Work in the order of the tasks: fifo.ts, collector.ts, writer.ts. The notebook's open-semantics cells are the whole story: which open() returns at once, which fails with ENXIO, which waits. Anything that waits freezes Node's only thread, so every open here uses O_NONBLOCK.",
      "createFifo: lstat the path first (fileKind does it). A FIFO there is reused; anything else is NotAFifoError. Otherwise run `mkfifo -m <mode.toString(8)> <path>` with execFile, not execFileSync. Writer: `openSync(path, constants.O_WRONLY | constants.O_NONBLOCK)`; never the \"w\" flag, which adds O_CREAT and would leave a regular file where the FIFO should be.",
      "Collector: after `O_RDONLY | O_NONBLOCK`, open the same path `O_WRONLY | O_NONBLOCK` and keep that fd: while any write end is open, the FIFO never reads end-of-file, so writers can come and go. Read with `new Socket({ fd: readFd, readable: true, writable: false })`; createReadStream would park a blocking read() in the libuv threadpool.",
      "Records: LineSplitter keeps the bytes after the last 0x0a for the next chunk (`data.indexOf(0x0a, start)` in a loop, decode each line with toString(\"utf8\")). Writer: `Buffer.from(record + \"\\n\")`; refuse a newline inside, and refuse when `bytes.length > PIPE_BUF` (bytes, not characters). Then exactly one writeSync(fd, bytes) per record: two writes can be separated by another writer's record.",
      "Nearly the answer: write() loops { try writeSync(fd, bytes); return } catch EPIPE -> CollectorNotRunningError, anything but EAGAIN -> rethrow; if waited >= fullTimeoutMs -> FifoFullError; `await new Promise(r => setTimeout(r, delay)); delay = Math.min(delay * 2, 50)`. ENXIO/ENOENT at open -> CollectorNotRunningError. close(): `socket.once(\"close\", ...)`, `socket.destroy()`, then closeSync(writeFd) and unlinkSync(path).",
    ],
  },
};
