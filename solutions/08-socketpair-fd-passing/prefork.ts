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
//  - A worker gets the server only after it says "started" (its handlers are
//    attached): a worker's Node accepts on a server the moment it receives
//    it, and a client accepted before any "connection" listener hangs.
//  - A worker that dies is restarted after a backoff on the monotonic clock.
//    Before `ready` has settled, a worker that keeps dying before it is ready
//    is a broken worker script, not bad luck: `ready` rejects and the master
//    stops, instead of restarting it forever with nobody told.
//  - shutdown(): stop accepting, let workers drain, resolve when all exited.
//
// One function per job, all sharing the master's state (Master below):
// startPrefork (listen, then start the workers), startWorker (fork one, hand
// it the server when it can serve), dispatch (pass accepted connections on),
// workerExited (restart later, or give up on a crash loop), shutdown.
import { fork, type ChildProcess } from "node:child_process";
import net from "node:net";
import { RestartBackoff, type BackoffOptions } from "./backoff";
import { isMessage, type ReadyMessage, type StartedMessage, type ToWorker } from "./protocol";

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

/** What the master remembers about one worker position. */
interface Slot {
  child: ChildProcess | undefined;
  ready: boolean;
  backoff: RestartBackoff;
  restartTimer: NodeJS.Timeout | undefined;
  /** Workers of this position that died before they were ready, in a row. */
  failedStarts: number;
  /**
   * Connections handed to this worker whose send has not completed. Node
   * sends one handle at a time and queues the rest; if the worker dies, the
   * queued ones are never sent and never closed: they are ours to re-dispatch.
   */
  unsent: Set<net.Socket>;
}

/** The master's state, shared by the functions below. */
interface Master {
  options: PreforkOptions;
  log: (line: string) => void;
  server: net.Server;
  slots: Slot[];
  /** Connections accepted by the master's own server that no worker has taken yet. */
  queued: net.Socket[];
  /** Where dispatch() looks first for a ready worker (round robin). */
  nextSlot: number;
  shuttingDown: boolean;
  ready: Deferred;
  /** Settled when every worker has exited after shutdown. */
  exited: Deferred;
}

/** A promise with its resolve and reject, and whether it has settled. */
interface Deferred {
  promise: Promise<void>;
  settled: boolean;
  resolve(): void;
  reject(err: Error): void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  let reject: (err: Error) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const d: Deferred = {
    promise,
    settled: false,
    resolve: () => {
      d.settled = true;
      resolve();
    },
    reject: (err) => {
      d.settled = true;
      reject(err);
    },
  };
  return d;
}

const DEFAULT_BACKOFF = { baseMs: 100, maxMs: 5_000, stableMs: 10_000 };

/** Listen on options.socketPath and start options.workers workers that share the socket. */
export function startPrefork(options: PreforkOptions): Prefork {
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new RangeError(`workers must be a positive integer, got ${options.workers}`);
  }
  const master: Master = {
    options,
    log: options.log ?? (() => undefined),
    // pauseOnConnect: the master never reads a client's bytes; it passes the
    // connection on untouched.
    server: net.createServer({ pauseOnConnect: true }),
    slots: Array.from({ length: options.workers }, () => ({
      child: undefined,
      ready: false,
      backoff: new RestartBackoff(options.backoff ?? DEFAULT_BACKOFF),
      restartTimer: undefined,
      failedStarts: 0,
      unsent: new Set<net.Socket>(),
    })),
    queued: [],
    nextSlot: 0,
    shuttingDown: false,
    ready: deferred(),
    exited: deferred(),
  };
  // A rejected `ready` that nobody awaits must not crash the process: the
  // caller learns of it through `ready`, and shutdown() still works.
  master.ready.promise.catch(() => undefined);

  master.server.on("connection", (socket) => {
    master.queued.push(socket);
    dispatch(master);
  });
  master.server.once("error", (err: NodeJS.ErrnoException) => master.ready.reject(new ListenError(options.socketPath, err)));
  master.server.listen(options.socketPath, () => {
    for (const slot of master.slots) startWorker(master, slot);
  });

  return {
    ready: master.ready.promise,
    workerPids: () => master.slots.flatMap((slot) => (slot.child?.pid !== undefined ? [slot.child.pid] : [])),
    shutdown: () => shutdown(master),
  };
}

/** Fork the worker of one position; hand it the server once it says it can serve. */
function startWorker(master: Master, slot: Slot): void {
  slot.restartTimer = undefined;
  // fork(): spawn + an IPC socketpair on fd 3 of the child. The child's
  // Node flags (the TypeScript loader) are copied from ours.
  const child = fork(master.options.workerScript, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  slot.child = child;
  slot.ready = false;
  slot.backoff.started();
  child.on("message", (message: unknown) => {
    if (isMessage<StartedMessage>(message, "started")) {
      if (master.shuttingDown) return; // it was told to stop; it must not accept
      // The worker's handlers are attached: now it may hold the server.
      // Keep ours open after sending it (see the header).
      const handOver: ToWorker = { kind: "server" };
      child.send(handOver, master.server);
    } else if (isMessage<ReadyMessage>(message, "ready")) {
      slot.ready = true;
      slot.failedStarts = 0;
      master.log(`worker ${child.pid} up`);
      if (master.slots.every((s) => s.ready)) master.ready.resolve();
      dispatch(master);
    }
  });
  child.on("disconnect", () => {
    slot.ready = false;
    takeBackUnsent(master, slot);
  });
  // A send to a worker that died meanwhile fails here; its "exit" restarts it.
  child.on("error", (err) => master.log(`worker ${child.pid}: ${err.message}`));
  child.on("exit", (code, signal) => workerExited(master, slot, child, signal ?? `code ${code}`));
  // The server is NOT sent yet: a worker gets it once it says "started"
  // (its handlers attached), never while its modules are still loading.
}

/** A worker has exited: done if shutting down; otherwise restart it after the backoff, or give up on a crash loop. */
function workerExited(master: Master, slot: Slot, child: ChildProcess, how: string): void {
  const wasReady = slot.ready;
  slot.ready = false;
  slot.child = undefined;
  if (master.shuttingDown) {
    if (master.slots.every((s) => s.child === undefined)) master.exited.resolve();
    return;
  }
  if (!wasReady) slot.failedStarts += 1;
  if (!master.ready.settled && slot.failedStarts >= MAX_FAILED_STARTS) {
    master.log(`worker ${child.pid} exited (${how}) before it was ready, ${slot.failedStarts} times in a row; giving up`);
    master.ready.reject(new WorkerStartError(master.options.workerScript, slot.failedStarts, `worker ${child.pid}, ${how}`));
    // Nobody will be served: stop, rather than restart it forever.
    void shutdown(master);
    return;
  }
  const delay = slot.backoff.exited();
  master.log(`worker ${child.pid} exited (${how}); restarting in ${delay} ms`);
  slot.restartTimer = setTimeout(() => startWorker(master, slot), delay);
}

/** Hand queued connections to ready workers, round robin. */
function dispatch(master: Master): void {
  while (master.queued.length > 0) {
    const slot = nextReadySlot(master);
    if (!slot?.child) return; // none up: the connections wait for a restart
    const socket = master.queued.shift() as net.Socket;
    const message: ToWorker = { kind: "connection" };
    slot.unsent.add(socket);
    slot.child.send(message, socket, (err) => {
      if (!slot.unsent.delete(socket)) return; // already taken back (the worker died)
      // The worker died between our check and the send: try another one.
      if (err && !socket.destroyed) {
        slot.ready = false;
        master.queued.unshift(socket);
        dispatch(master);
      }
    });
  }
}

function nextReadySlot(master: Master): Slot | undefined {
  const { slots } = master;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[(master.nextSlot + i) % slots.length] as Slot;
    if (slot.ready && slot.child?.connected) {
      master.nextSlot = (master.nextSlot + i + 1) % slots.length;
      return slot;
    }
  }
  return undefined;
}

/** A worker is gone: connections still waiting to be sent to it go to another. */
function takeBackUnsent(master: Master, slot: Slot): void {
  const unsent = [...slot.unsent].filter((socket) => !socket.destroyed);
  slot.unsent.clear();
  master.queued.unshift(...unsent);
  dispatch(master);
}

/** Stop accepting, let the workers finish their clients, resolve when all have exited. */
function shutdown(master: Master): Promise<void> {
  if (master.shuttingDown) return master.exited.promise;
  master.shuttingDown = true;
  // 1. Stop accepting: closing our server also unlinks the path, so new
  //    clients get ENOENT at once instead of waiting in a dead backlog.
  master.server.close();
  for (const slot of master.slots) {
    if (slot.restartTimer) clearTimeout(slot.restartTimer);
    slot.restartTimer = undefined;
  }
  // Connections we accepted but nobody took: hand them out, or end them.
  dispatch(master);
  for (const socket of master.queued.splice(0)) socket.destroy();
  // 2. Drain: each worker finishes its in-flight clients, then exits.
  const stop: ToWorker = { kind: "stop" };
  for (const slot of master.slots) {
    if (slot.child?.connected) slot.child.send(stop);
  }
  if (master.slots.every((slot) => slot.child === undefined)) master.exited.resolve();
  // 3. Done when every worker has exited.
  return master.exited.promise;
}
