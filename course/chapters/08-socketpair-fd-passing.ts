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
      { id: "RestartBackoff", title: "Restart backoff: doubling, capped, reset when stable, on the monotonic clock", points: 2 },
      { id: "shareServer", title: "The master passes its listening socket to N workers and keeps it open", points: 4 },
      { id: "restartWorkers", title: "A dead worker is replaced; clients arriving meanwhile are served, not refused", points: 4 },
      { id: "gracefulShutdown", title: "SIGTERM: stop accepting, drain in-flight requests, exit after the workers", points: 3 },
      { id: "noOrphans", title: "Workers exit when their master is killed with SIGKILL", points: 2 },
    ],
    hints: [
      "Work in the order of the tasks: backoff.ts, then worker.ts, then prefork.ts (master.ts is given: it runs startPrefork and prints READY). The notebook's cell that passes a server to a child with child.send(msg, server) is the heart of the lab; run `node --import tsx labs/08-socketpair-fd-passing/master.ts /tmp/x.sock 2` and compare /proc/<pid>/fd of the master and its workers.",
      "Backoff: keep `options.now ?? (() => performance.now())`, never Date.now(): a clock step must not look like uptime. exited(): uptime >= stableMs resets the count of quick crashes, then count this one and return min(maxMs, baseMs * 2 ** (count - 1)).",
      "The master must never call server.close() after child.send({ kind: \"server\" }, server): libuv unlinks the path it bound, and new clients get ENOENT while the workers still listen. But Node also accepts on the master's copy, so create it with `net.createServer({ pauseOnConnect: true })` and pass every connection it accepts on with `child.send({ kind: \"connection\" }, socket)` to a worker that said ready; with none ready, keep the socket in a queue and dispatch it when a worker's { kind: \"ready\" } arrives.",
      "Worker: `process.on(\"message\", (msg, handle) => ...)`: \"server\" -> `handle.on(\"connection\", serve)` and `process.send({ kind: \"ready\" })`; \"connection\" -> serve(handle); \"stop\" and `process.on(\"disconnect\")` -> close the server, and once the in-flight set is empty `process.disconnect(); process.exit(0)`. The IPC socketpair closes when the master dies, even by SIGKILL: that is how workers learn it.",
      "Master, nearly the answer: per slot keep { child, ready, backoff, restartTimer }. startWorker: `fork(script, [], { stdio: [\"ignore\", \"inherit\", \"inherit\", \"ipc\"] })`, backoff.started(), send the server. On \"exit\": if shutting down and every slot is empty resolve shutdown; else `setTimeout(() => startWorker(slot), slot.backoff.exited())` and log `worker <pid> exited (...)`. shutdown(): server.close(), clearTimeout every restart, send { kind: \"stop\" } to each connected worker, and resolve only when all have exited.",
    ],
  },
};
