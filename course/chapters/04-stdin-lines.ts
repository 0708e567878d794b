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
      { id: "lines", title: "Split chunks of bytes into lines, however they are cut", points: 6 },
      { id: "maxLineBytes", title: "Refuse a line that is too long, with its number, in bounded memory", points: 4 },
      { id: "numberLines", title: "Number lines with backpressure; stop when the output fails", points: 3 },
      { id: "runNl", title: "Exit statuses and one-line errors", points: 2 },
      { id: "nlStdin", title: "nl with stdin a pipe, a file, a FIFO and a socketpair", points: 3 },
      { id: "nlRobust", title: "nl under `| head -1` and a 1 GB line", points: 2 },
    ],
    hints: [
      "Look at the chunks before you write any splitting: `for await (const chunk of process.stdin) console.error(JSON.stringify(chunk.toString()))`, then pipe a big file in, or type slowly. A chunk is whatever one read() returned: it can end in the middle of a line, even in the middle of a character. What must you carry over from one chunk to the next?",
      "Work in bytes, not strings: keep the bytes of the unfinished line, find each newline with `buffer.indexOf(0x0a, start)`, and decode only a complete line with `buffer.toString(\"utf8\", start, end)`. The byte 0x0A never occurs inside a multi-byte UTF-8 character, so cutting there is always safe. At the end of the input, leftover bytes are the last line; no leftover means no extra line.",
      "The limit: check the leftover after every chunk, not only when a newline comes (it may be 1 GB away). As soon as it holds more than maxLineBytes + 1 bytes (+1 for a \"\\r\" whose \"\\n\" has not arrived yet), throw `new LineTooLongError(linesSoFar + 1, maxLineBytes)`. For a complete line, drop one \"\\r\" before the \"\\n\", then compare its length in bytes.",
      "numberLines: `if (!output.write(text))` wait for \"drain\" (`once(output, \"drain\")` from node:events also rejects on \"error\"), but first check `output.errored` and `output.destroyed`: a broken stream never drains. Keep one \"error\" listener for the whole loop that records the error, and check it before each write, because a write that returned true can still fail later. Throwing inside `for await` closes lines() and the input.",
      "runNl: first `stdout.on(\"error\", () => {})`, so that a late EPIPE cannot crash the process. Then `try { const { maxLineBytes } = parseNlArgs(argv); await numberLines(stdin, stdout, { maxLineBytes }); return 0; }` and in the catch: `isReaderGone(err)` → return 0; UsageError → write `nl: ${err.message}\\n${USAGE}\\n`, return 2; LineTooLongError → write `nl: line ${err.lineNumber} is longer than ${err.maxLineBytes} bytes\\n`, return 1; anything else → `nl: ${message}\\n`, return 1.",
    ],
  },
};
