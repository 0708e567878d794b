import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "05",
  slug: "daemons",
  title: "Daemons: one fork or two",
  summary:
    "Sessions, process groups and controlling terminals in /proc; setsid() through detached spawn; why the second fork; daemonize with readiness, an exclusive pid file, SIGTERM and SIGHUP.",
  lab: {
    timeLimitSeconds: 300,
    files: ["pidfile.ts", "daemon.ts", "daemonize.ts", "stop.ts"],
    tasks: [
      {
        id: "pidFile",
        title: "An atomic, exclusive pid file that survives pid reuse",
        short: "An exclusive, atomic pid file",
        points: 3,
        hints: [
          "Two questions: can anyone ever read your pid file half-written, and can two processes both believe they created it? Which system calls create a name only if it does not exist yet?",
          "Write the two lines to a private name in the same directory, then link() it to the pid file's name: link fails with EEXIST instead of replacing (rename would replace), and the file appears complete. Remove the private name in a finally.",
          'A pid alone can be reused by an unrelated process: daemonStatus compares the recorded start time with the live process\'s (readProcInfo), and treats a zombie (state "Z") as not running.',
        ],
      },
      {
        id: "daemonSide",
        title: "The daemon side: readiness, stray descriptors, SIGTERM and SIGHUP",
        short: "The daemon side",
        points: 4,
        hints: [
          'The daemon tells its starter "I am ready" through fd 3. What must be true before it says so, and what should it do with fd 3 afterwards?',
          "ready(): refuse a pid file naming a live process, write yours, then write READY=1 to fd 3 and close it. Apply the umask it is given, and close every descriptor from 3 up that it inherited by accident (not fd 3 itself); /proc/self/fd lists them, and /proc/self/fdinfo/<fd> says whether each is close-on-exec.",
          "SIGTERM: run the stop handlers to the end, then remove the pid file (only if it is still yours) and exit 0. SIGHUP: reopen the log by closing fd 1 and opening the log again, which takes the lowest free number; the same for fd 2.",
        ],
      },
      {
        id: "daemonize",
        title: "daemonize(): two spawns, one session, exactly one daemon",
        short: "daemonize(): two spawns",
        points: 6,
        hints: [
          "Build the process tree of the notebook by hand, and read /proc/<pid>/stat of your daemon after each step: which of pid, ppid, pgrp, session, tty_nr is what you expect?",
          "Two spawns: daemonize() spawns the entry detached (setsid: the middle process leads a new session); the middle spawns the entry again NOT detached (so the daemon is in that session but not its leader, and can never get a terminal), passes it a pipe at fd 3, tells the caller the daemon's pid, and exits. Neither may keep the caller's stdio.",
          "Exactly one daemon: a lock file next to the pid file, made with your exclusive pid-file writer, names the daemonize() that holds it; a lock whose owner is dead is stale. Resolve only on READY=1 from the daemon; on end-of-file or timeout kill what was started and reject with a DaemonStartError carrying what the middle printed.",
        ],
      },
      {
        id: "stopDaemon",
        title: "stopDaemon(): SIGTERM, wait, SIGKILL, no pid file left",
        short: "stopDaemon(): TERM, wait, KILL",
        points: 3,
        hints: [
          "Before signalling a pid from a file, ask the pid-file task's question: is it still the same process?",
          "Send SIGTERM, then check every few milliseconds until the process is gone, a zombie, or a different process (another start time); after the timeout, SIGKILL. Remove the pid file at the end, in every case, but only if it still names that daemon.",
        ],
      },
    ],
  },
};
