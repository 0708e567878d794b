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
      { id: "parseStat", title: "Parse a /proc/<pid>/stat line", points: 6 },
      { id: "readStat", title: "Read a live process's stat, and report a missing one", points: 4 },
    ],
    hints: [
      "Look at a real line first: `cat /proc/self/stat`. Field 2, the command name, sits in parentheses. What happens to your split if the name contains a space, or a ')'?",
      "Everything after the command name is a number or a single letter, so the LAST ')' in the line always closes the name. Cut the line there: the pid is before the '(', comm between '(' and the last ')', the rest splits cleanly on spaces.",
      "Count carefully: proc(5) numbers fields from 1, and after the cut the state (field 3) is index 0 of the rest. So ppid is index 1, pgrp 2, session 3, tty_nr 4, tpgid 5, num_threads (field 20) index 17, starttime (field 22) index 19. tpgid can be -1.",
      "readStat: `readFileSync(`/proc/${pid}/stat`, \"utf8\")`, then parseStat. Catch the error: when its `code` is \"ENOENT\", throw `new NoSuchProcessError(pid)` instead. Check the argument first: `Number.isInteger(pid) && pid > 0`, or \"self\".",
    ],
  },
};
