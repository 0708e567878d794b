import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "00",
  slug: "welcome",
  title: "Welcome: how the course works, and a first look at /proc",
  summary: "Notebook, lab, grade, hint; the kernel's view of a process in /proc/self; parse /proc/<pid>/stat.",
  lab: {
    timeLimitSeconds: 60,
    files: ["stat.ts"],
    tasks: [
      {
        id: "parseStat",
        title: "Parse a /proc/<pid>/stat line",
        short: "Parse a stat line",
        points: 6,
        hints: [
          "Look at a real line first: `cat /proc/self/stat`. Field 2, the command name, sits in parentheses. What happens to your split if the name contains a space, or a ')'?",
          "Everything after the command name is a number or a single letter, so the LAST ')' in the line always closes the name. Cut the line there: the pid is before the '(', comm between '(' and that last ')', and the rest splits cleanly on spaces.",
          "Count carefully: proc(5) numbers fields from 1, and after the cut the state (field 3) is index 0 of the rest. So ppid (field 4) is index 1, and field n is index n - 3: num_threads (field 20) is index 17. tpgid can be -1. A line without '(' or ')' is not a stat line: throw an Error that says so.",
        ],
      },
      {
        id: "readStat",
        title: "Read a live process's stat, and report a missing one",
        short: "Read a live process's stat",
        points: 4,
        hints: [
          "Which file holds a process's stat, and what does reading it give for a pid that does not exist? Try `cat /proc/999999/stat` in a terminal.",
          'Read /proc/<pid>/stat synchronously as UTF-8 and hand the text to parseStat. Check the argument before touching the file: a positive whole number, or "self".',
          'Catch the read\'s error: an error whose `code` is "ENOENT" means no such process, so throw `new NoSuchProcessError(pid)` instead; rethrow any other error unchanged.',
        ],
      },
    ],
  },
};
