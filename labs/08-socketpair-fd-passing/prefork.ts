// The pre-fork master: it owns the listening Unix socket and hands it to N
// workers with child.send(message, server). Underneath, Node sends the
// descriptor with sendmsg(SCM_RIGHTS) over the IPC socketpair, and the kernel
// installs a new descriptor in the worker for the same socket.
//
// Rules the master lives by:
//  - It keeps its own server open for as long as it runs. Closing it would
//    unlink the socket's path (libuv removes the file it bound), and new
//    clients would get ENOENT although the workers still listen.
//  - Its own event loop also accepts from the shared socket (Node cannot hold
//    a listening server without watching it), so it forwards what it accepts
//    to a worker, or keeps it queued while no worker is up. A client is
//    never refused because a worker is being restarted.
//  - A worker gets the server only when it can serve it (protocol.ts says
//    why the moment matters).
//  - A worker that dies is restarted after a backoff on the monotonic clock.
//  - shutdown(): stop accepting, let workers drain, resolve when all exited.
import type { ChildProcess } from "node:child_process";
import type { RestartBackoff, BackoffOptions } from "./backoff";

export interface PreforkOptions {
  socketPath: string;
  workers: number;
  /** The worker script, started with fork() (same Node flags as this process). */
  workerScript: string;
  backoff?: Omit<BackoffOptions, "now">;
  /** Where to report events ("worker 1234 up"). */
  log?: (line: string) => void;
}

export interface Prefork {
  /** Resolves when every worker holds the server; rejects if listening fails. */
  ready: Promise<void>;
  /** Pids of the workers alive now. */
  workerPids(): number[];
  /** Stop accepting, wait for the workers to finish their clients and exit. */
  shutdown(): Promise<void>;
}

export class ListenError extends Error {
  constructor(
    readonly socketPath: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    super(
      cause.code === "EADDRINUSE"
        ? `cannot listen on ${socketPath}: the path exists (another server, or a stale socket file: remove it if no server runs)`
        : `cannot listen on ${socketPath}: ${cause.message}`,
    );
    this.name = "ListenError";
  }
}

/** What the master remembers about one worker position (a suggestion). */
interface Slot {
  child: ChildProcess | undefined;
  ready: boolean;
  backoff: RestartBackoff;
  restartTimer: NodeJS.Timeout | undefined;
}

const DEFAULT_BACKOFF = { baseMs: 100, maxMs: 5_000, stableMs: 10_000 };

export function startPrefork(options: PreforkOptions): Prefork {
  // TODO, in this order (see the notebook's fd-passing cells):
  //  1. RangeError unless options.workers is a positive integer.
  //  2. net.createServer({ pauseOnConnect: true }); on "error" reject `ready`
  //     with a ListenError; listen(options.socketPath), then start each worker.
  //  3. Start a worker: fork(options.workerScript, [], { stdio: ["ignore",
  //     "inherit", "inherit", "ipc"] }), backoff.started(). Hand it the
  //     server with child.send({ kind: "server" }, server), but not before
  //     the worker can serve it: read protocol.ts (a freshly forked worker
  //     is still loading its modules). NEVER close the server after sending
  //     it: that unlinks the path and new clients get ENOENT.
  //  4. A worker's { kind: "ready" } message: log `worker <pid> up`; when all
  //     are ready resolve `ready`.
  //  5. The master's server accepts too: queue each connection and hand it to
  //     a ready worker with child.send({ kind: "connection" }, socket). With no
  //     worker up, keep it queued until one is (do not refuse or drop it).
  //  6. A worker's "exit" (not shutting down): log
  //     `worker <pid> exited (<signal or code>); restarting in <ms> ms` and
  //     start a new one after backoff.exited() ms.
  //  7. shutdown(): close the server, cancel pending restarts, send
  //     { kind: "stop" } to every worker, resolve when all have exited.
  throw new Error("TODO: startPrefork is not written yet");
}
