import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "02",
  slug: "fork-semantics",
  title: "Fork semantics: what a child inherits",
  summary:
    "Copied memory but shared descriptors: the notes' os.fork experiment, why Node spawns, what crosses spawn (env, cwd, fds, signals) read from /proc, and one open file description shared by parent and child.",
  lab: {
    timeLimitSeconds: 60,
    files: ["launch.ts", "inherited.ts", "child-writer.ts", "shared-fd.ts"],
    tasks: [
      {
        id: "launch",
        title: "launch(): exactly the fds, cwd and env asked for",
        short: "launch(): fds, cwd and env",
        points: 3,
        hints: [
          "Whenever you doubt what a child got, look instead of guessing: while it runs, `ls -l /proc/<pid>/fd`, `readlink /proc/<pid>/cwd`, `tr '\\0' '\\n' < /proc/<pid>/environ`. The notebook's cells do exactly this.",
          'spawn\'s `stdio` array is indexed by the child\'s fd number, so `{ 3: a, 5: b }` becomes an array with a at index 3 and b at index 5, and "ignore" everywhere else. "ignore" is /dev/null for 0-2 and "not opened" from 3 up; "pipe" and "inherit" give the child descriptors nobody asked for.',
          "`env` replaces the environment: pass setup.env alone, not merged with process.env. A missing cwd must be refused before spawning, with an error naming it (existsSync or statSync first).",
        ],
      },
      {
        id: "readInherited",
        title: "readInherited(): what the child really has, from /proc/<pid>",
        short: "readInherited() from /proc",
        points: 3,
        hints: [
          "Everything comes from /proc/<pid>, nothing from `process`: the parent may have changed its env or cwd since, and the child kept its own copy.",
          'environ is "NAME=value\\0" entries: split on "\\0", then at the FIRST "=" only. fds are the entries of /proc/<pid>/fd; cwd is a readlink; ppid and SigIgn come from /proc/<pid>/status.',
          "SigIgn is 16 hex digits: bit n-1 set means signal n is ignored (Node's own mask, 0000000001001000, is signals 13 and 25). Parse it as a BigInt to keep all 64 bits. Turn ENOENT into `new NoSuchProcessError(pid)`.",
        ],
      },
      {
        id: "childWriter",
        title: "The child writes through the fd 3 it was given",
        short: "The child writes to fd 3",
        points: 1,
        hints: [
          "The child opens nothing itself: the file is already open at its descriptor 3, handed over by the parent.",
          "Write each argument as one line with writeSync on fd 3, one call per line.",
        ],
      },
      {
        id: "appendTogether",
        title: "appendTogether(): one shared offset, no overwrites, the child waited for",
        short: "appendTogether(): one offset",
        points: 3,
        hints: [
          "Two writers, one file: when do they share an offset, and when does each have its own? Think of open file descriptions, not file names.",
          "The file is opened ONCE, in the parent. Give the child that very descriptor at its fd 3. A second open of the path, here or in the child, is a second open file description with its own offset, and someone's lines get overwritten.",
          'Write `before`, start the child, wait for its "close" (and reject on "error"), and only then write `after`. A non-zero exit becomes a ChildFailedError carrying the code, the signal and the child\'s stderr, which you collect through a pipe at fd 2. Close the file in a finally.',
        ],
      },
    ],
  },
};
