import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "08",
  slug: "socketpair-fd-passing",
  title: "socketpair, fd passing and credentials",
  summary:
    "Node's stdio and IPC channels are socketpairs; two readers race for one end; child.send(msg, handle) passes a socket with SCM_RIGHTS; SO_PEERCRED; a pre-fork server with restarts, graceful shutdown and no orphans.",
  lab: {
    timeLimitSeconds: 300,
    files: ["protocol.ts", "backoff.ts", "worker.ts", "prefork.ts", "master.ts"],
    tasks: [
      {
        id: "RestartBackoff",
        title: "Restart backoff: doubling, capped, reset when stable, on the monotonic clock",
        short: "Restart backoff",
        points: 2,
        hints: [
          "Which clock measures a worker's uptime so that setting the date cannot make it look stable? (Chapter 06.)",
          "Take the clock from the options, defaulting to performance.now(), never Date.now(). Each quick crash doubles the delay from baseMs, capped at maxMs; an uptime of at least stableMs resets the count. Validate the options (RangeError).",
        ],
      },
      {
        id: "shareServer",
        title: "The master passes its listening socket to N workers and keeps it open",
        short: "Share the listening socket",
        points: 4,
        hints: [
          "Run `node --import tsx labs/08-socketpair-fd-passing/master.ts /tmp/x.sock 2` and compare /proc/<pid>/fd of the master and its workers: who holds the listening socket?",
          "child.send(message, server) passes the listening socket over the IPC socketpair (SCM_RIGHTS). The master must never close its copy afterwards: closing unlinks the socket path, and new clients get ENOENT while the workers still listen.",
          "Node also accepts on the master's copy: create it paused on connect, and pass every connection it accepts on to a worker that is ready. A worker must not be handed the listening socket before it can serve: it says it is ready once its connection handler is attached.",
        ],
      },
      {
        id: "restartWorkers",
        title: "A dead worker is replaced; clients arriving meanwhile are served, not refused",
        short: "Replace a dead worker",
        points: 4,
        hints: [
          "When a worker dies, who is still accepting connections, and where do connections go until the new worker is ready?",
          "On a worker's \"exit\", start a new one after the backoff's delay, unless shutting down. Connections the master accepts while no worker is ready wait in a queue and go to the first worker that says it is ready.",
          'A worker script that fails as it starts would be restarted forever while `ready` never settles. Count, per slot, the workers that died before they said "ready"; while `ready` is pending, at 3 in a row reject it with a WorkerStartError and shut down (workerExited in prefork.ts).',
        ],
      },
      {
        id: "gracefulShutdown",
        title: "SIGTERM: stop accepting, drain in-flight requests, exit after the workers",
        short: "SIGTERM drains, then exits",
        points: 3,
        hints: [
          "Graceful means: no new connections, but every request already accepted is answered. Who knows which requests are in flight?",
          "The master stops listening, cancels pending restarts and tells each worker to stop; a worker closes its server, finishes the requests in its in-flight set, then disconnects and exits. The master resolves its shutdown only when every worker has exited.",
        ],
      },
      {
        id: "noOrphans",
        title: "Workers exit when their master is killed with SIGKILL",
        short: "No orphans on SIGKILL",
        points: 2,
        hints: [
          "A master killed with SIGKILL runs no code at all. What does the kernel do to its end of each IPC socketpair, and what does a worker see?",
          'Workers listen for the IPC channel\'s "disconnect" and exit then, like a stop request.',
        ],
      },
    ],
  },
};
