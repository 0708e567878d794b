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
      { id: "pidFile", title: "An atomic, exclusive pid file that survives pid reuse", points: 3 },
      { id: "daemonSide", title: "The daemon side: readiness, stray descriptors, SIGTERM and SIGHUP", points: 4 },
      { id: "daemonize", title: "daemonize(): two spawns, one session, exactly one daemon", points: 6 },
      { id: "stopDaemon", title: "stopDaemon(): SIGTERM, wait, SIGKILL, no pid file left", points: 3 },
    ],
    hints: [
      "Work in the order of the tasks: pidfile.ts, then daemon.ts, then daemonize.ts, then stop.ts. The notebook's cells that build the process tree by hand are the same two spawns daemonize() needs. Read /proc/<pid>/stat of your daemon after each step: which of pid, ppid, pgrp, session, tty_nr is what you expect?",
      "Pid file: write the two lines to a private name in the same directory, then `linkSync(temp, pidFile)`: link() fails with EEXIST instead of replacing (rename() would replace), and the file appears complete. Unlink the temp in a `finally`. daemonStatus: compare the recorded start time with `readProcInfo(pid).startTime`, and treat state \"Z\" as gone.",
      "Two spawns: daemonize() spawns the entry with `detached: true` (setsid: the middle leads a new session) and DAEMON_STAGE=middle; in the middle, becomeDaemon() spawns `process.execPath, [...process.execArgv, ...process.argv.slice(1)]` again WITHOUT detached, stdio `[\"ignore\", log, log, NOTIFY_FD]`, DAEMON_STAGE=daemon, writes `MAINPID=<pid>\\n` to fd 3 and calls process.exit(0). The middle's own stdio must not be the caller's: `[\"ignore\", \"ignore\", \"pipe\", \"pipe\"]`.",
      "Exactly one daemon: the lock `${pidFile}.lock` is a pid file naming the caller, made with your exclusive writePidFile; an existing lock whose owner is alive means AlreadyRunningError(pidFile, owner, true). Readiness: the daemon's ready() writes the pid file, then `READY=1\\n` to fd 3, then closes fd 3; daemonize() resolves only on READY=1 and kills the middle's group (`process.kill(-middle.pid, \"SIGKILL\")`) and MAINPID on end-of-file or timeout, with the middle's stderr and the log's tail in the DaemonStartError.",
      "Daemon stage, nearly the answer: `process.umask(parseInt(env.DAEMON_UMASK, 8))`; for each fd >= 3 in /proc/self/fd except NOTIFY_FD, `parseInt(/flags:\\s*([0-7]+)/.exec(fdinfo)[1], 8) & 0o2000000` is 0 means inherited: closeSync it. SIGTERM: `for (const h of handlers) await h();` then removePidFileIf(pidFile, mine), process.exit. SIGHUP: closeSync(1); openSync(log, \"a\") returns 1; same for 2. stopDaemon: kill SIGTERM, poll readProcInfo every 20 ms until gone/zombie/other start time, SIGKILL after timeoutMs, then removePidFileIf.",
    ],
  },
};
