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
//    Before `ready` has settled, workers that keep dying before they are
//    ready mean a broken worker script: `ready` rejects and the master stops.
//  - shutdown(): stop accepting, let workers drain, resolve when all exited.
//
// Write it as the five functions below, in this order; they share the
// master's state (Master, a suggestion: add what you need). See the
// notebook's fd-passing cells. Run `npm run grade -- 08`; stuck?
// `npm run hint -- 08`.
import type { ChildProcess } from "node:child_process";
import type net from "node:net";
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
  /**
   * Resolves when every worker holds the server; rejects if listening fails
   * (ListenError) or if the workers of one position die before they are
   * ready 3 times in a row (WorkerStartError); the master then stops.
   */
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

/** A worker script that dies before it is ready, again and again: `ready` rejects with this. */
export class WorkerStartError extends Error {
  constructor(
    readonly workerScript: string,
    readonly attempts: number,
    readonly lastExit: string,
  ) {
    super(
      `${attempts} workers in a row exited before they were ready (the last: ${lastExit}); ` +
        `the worker script ${workerScript} fails as it starts: its error is on stderr above, or run it with fork() yourself`,
    );
    this.name = "WorkerStartError";
  }
}

/** How many workers of one position may die in a row before they are ready, before `ready` rejects. */
const MAX_FAILED_STARTS = 3;

/** What the master remembers about one worker position (a suggestion). */
interface Slot {
  child: ChildProcess | undefined;
  ready: boolean;
  backoff: RestartBackoff;
  restartTimer: NodeJS.Timeout | undefined;
  /** Workers of this position that died before they were ready, in a row. */
  failedStarts: number;
}

/** The master's state, shared by the functions below (a suggestion). */
interface Master {
  options: PreforkOptions;
  log: (line: string) => void;
  server: net.Server;
  slots: Slot[];
  /** Connections accepted by the master's own server that no worker has taken yet. */
  queued: net.Socket[];
  shuttingDown: boolean;
  /** `ready`'s promise, whether it has settled, and the functions that settle it. */
  ready: { promise: Promise<void>; settled: boolean; resolve(): void; reject(err: Error): void };
}

const DEFAULT_BACKOFF = { baseMs: 100, maxMs: 5_000, stableMs: 10_000 };

/** Listen on options.socketPath and start options.workers workers that share the socket. */
export function startPrefork(options: PreforkOptions): Prefork {
  // TODO:
  //  - RangeError unless options.workers is a positive integer.
  //  - Build the Master: net.createServer({ pauseOnConnect: true }), one Slot
  //    per worker with its own RestartBackoff (options.backoff ?? DEFAULT_BACKOFF).
  //  - The server's "connection": queue the socket, then dispatch().
  //  - The server's "error": reject `ready` with a ListenError.
  //  - listen(options.socketPath), and once listening, startWorker() for each slot.
  //  - Return { ready, workerPids, shutdown: () => shutdown(master) }.
  throw new Error("TODO: startPrefork is not written yet");
}

/** Fork the worker of one position; hand it the server once it says it can serve. */
function startWorker(master: Master, slot: Slot): void {
  // TODO:
  //  - fork(master.options.workerScript, [], { stdio: ["ignore", "inherit",
  //    "inherit", "ipc"] }), slot.backoff.started().
  //  - Hand it the server with child.send({ kind: "server" }, master.server),
  //    but not before the worker can serve it: read protocol.ts (a freshly
  //    forked worker is still loading its modules). NEVER close the server
  //    after sending it: that unlinks the path and new clients get ENOENT.
  //  - Its { kind: "ready" } message: log `worker <pid> up`; when all slots
  //    are ready resolve `ready`; dispatch() what is queued.
  //  - Its "exit": workerExited().
  throw new Error("TODO: startWorker is not written yet");
}

/** A worker has exited: done if shutting down; otherwise restart it after the backoff, or give up on a crash loop. */
function workerExited(master: Master, slot: Slot, child: ChildProcess, how: string): void {
  // TODO:
  //  - Shutting down: when every slot's worker has exited, shutdown() is done.
  //  - Otherwise log `worker <pid> exited (<how>); restarting in <ms> ms` and
  //    start a new one after slot.backoff.exited() ms.
  //  - But while `ready` has not settled, a worker that died before it was
  //    ready, MAX_FAILED_STARTS times in a row in one slot, is a broken
  //    script: reject `ready` with a WorkerStartError and shut down, instead
  //    of restarting it forever.
  throw new Error("TODO: workerExited is not written yet");
}

/** Hand queued connections to ready workers, round robin. */
function dispatch(master: Master): void {
  // TODO: while connections are queued and a worker is ready (and
  // connected), child.send({ kind: "connection" }, socket). With no worker
  // up, keep them queued until one is (do not refuse or drop them).
  throw new Error("TODO: dispatch is not written yet");
}

/** Stop accepting, let the workers finish their clients, resolve when all have exited. */
function shutdown(master: Master): Promise<void> {
  // TODO: close the server, cancel pending restarts, end what is still
  // queued, send { kind: "stop" } to every worker, resolve when all have
  // exited (at once if none is running). A second call gets the same promise.
  throw new Error("TODO: shutdown is not written yet");
}
