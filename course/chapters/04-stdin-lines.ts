import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "04",
  slug: "stdin-lines",
  title: "Reading stdin line by line",
  summary:
    "stdin as a TTY, a pipe, a file or a socket; chunks are not lines; split UTF-8; readline; epoll_wait and EAGAIN; a bounded lines() and an nl that survives | head -1.",
  lab: {
    timeLimitSeconds: 90,
    files: ["lines.ts", "nl.ts", "cli.ts"],
    tasks: [
      {
        id: "lines",
        title: "Split chunks of bytes into lines, however they are cut",
        short: "Split chunks into lines",
        points: 6,
        hints: [
          "Look at the chunks before you write any splitting: `for await (const chunk of process.stdin) console.error(JSON.stringify(chunk.toString()))`, then pipe a big file in, or type slowly. A chunk is whatever one read() returned: it can end in the middle of a line, even in the middle of a character. What must you carry over from one chunk to the next?",
          'Splitting each chunk on "\\n" cuts a line that arrives in two pieces into two lines. Keep the bytes of the unfinished line and put them in front of the next chunk; only text before a newline is a complete line.',
          'Work in bytes, not strings: find each newline with `buffer.indexOf(0x0a, start)` and decode only a complete line. 0x0A never occurs inside a multi-byte UTF-8 character, so cutting there is always safe, and decoding a whole line never splits a character. At the end of the input, leftover bytes are the last line; no leftover means no extra line. Drop one "\\r" just before a "\\n".',
        ],
      },
      {
        id: "maxLineBytes",
        title: "Refuse a line that is too long, with its number, in bounded memory",
        short: "Refuse a line that is too long",
        points: 4,
        hints: [
          "A line that never ends (1 GB, no newline) must not be buffered whole. When can you know it is too long, without waiting for its newline?",
          'Check the leftover after every chunk, not only when a newline comes. Count bytes, not characters, and not the line ending; allow one extra byte for a "\\r" whose "\\n" has not arrived yet.',
          "Throw a LineTooLongError naming the line's number (the lines handed over so far, plus one) and the limit, as soon as the leftover is too long. Validate maxLineBytes (a positive integer) before reading anything.",
        ],
      },
      {
        id: "numberLines",
        title: "Number lines with backpressure; stop when the output fails",
        short: "Number lines, backpressure",
        points: 3,
        hints: [
          "write() returning false means \"stop until 'drain'\". What if the output is broken: does 'drain' ever come?",
          'When write() returns false, wait for "drain" or "error", whichever comes first (`once(output, "drain")` from node:events rejects on "error"); but first check `output.errored` and `output.destroyed`: a broken stream never drains.',
          'A write that returned true can still fail later: keep one "error" listener for the whole loop that records the error, and check it before each write. Throwing inside `for await` closes lines() and the input for you.',
        ],
      },
      {
        id: "runNl",
        title: "Exit statuses and one-line errors",
        short: "nl's exit statuses",
        points: 2,
        hints: [
          "runNl turns every outcome into an exit status and at most one line on stderr: 0 when done or when the reader went away, 1 for a line too long or another error, 2 for a bad command line (with the usage).",
          'Attach an "error" listener to stdout before anything else, so that a late EPIPE cannot crash the process. Then map the errors you catch: isReaderGone(err), UsageError, LineTooLongError, anything else: each to its status and its one line, starting "nl: ".',
        ],
      },
      {
        id: "nlStdin",
        title: "nl with stdin a pipe, a file, a FIFO and a socketpair",
        short: "nl reads any kind of stdin",
        points: 3,
        hints: [
          "These tests run cli.ts as a real process. Run it yourself: `printf 'a\\nb\\n' | node --import tsx labs/04-stdin-lines/cli.ts`, then with `< file`, then through `mkfifo`.",
          "cli.ts should only hand process.stdin, process.stdout and the arguments to runNl and exit with its status: if lines() and numberLines() pass their tests, every kind of stdin works, because they never ask what kind it is. A line printed only at the end means you collect everything before writing.",
        ],
      },
      {
        id: "nlRobust",
        title: "nl under `| head -1` and a 1 GB line",
        short: "nl under | head -1, 1 GB line",
        points: 2,
        hints: [
          "Try `yes | node --import tsx labs/04-stdin-lines/cli.ts | head -1`: does it end, and does it print a stack trace?",
          "Set process.exitCode to runNl's status instead of calling process.exit() while output may still be queued. A stack trace means an EPIPE nobody listened for: see runNl's first hint. A 1 GB line that makes memory grow means maxLineBytes is checked too late.",
        ],
      },
    ],
  },
};
