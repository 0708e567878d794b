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
//  - shutdown(): stop accepting, let workers drain, resolve when all exited.
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

interface Slot {
  child: ChildProcess | undefined;
  ready: boolean;
  backoff: RestartBackoff;
  restartTimer: NodeJS.Timeout | undefined;
  /**
   * Connections handed to this worker whose send has not completed. Node
   * sends one handle at a time and queues the rest; if the worker dies, the
   * queued ones are never sent and never closed: they are ours to re-dispatch.
   */
  unsent: Set<net.Socket>;
}

const DEFAULT_BACKOFF = { baseMs: 100, maxMs: 5_000, stableMs: 10_000 };

export function startPrefork(options: PreforkOptions): Prefork {
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new RangeError(`workers must be a positive integer, got ${options.workers}`);
  }
  const log = options.log ?? (() => undefined);
  const slots: Slot[] = Array.from({ length: options.workers }, () => ({
    child: undefined,
    ready: false,
    backoff: new RestartBackoff(options.backoff ?? DEFAULT_BACKOFF),
    restartTimer: undefined,
    unsent: new Set<net.Socket>(),
  }));
  const queued: net.Socket[] = [];
  let nextSlot = 0;
  let shuttingDown = false;
  let allExited: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => (allExited = resolve));

  // pauseOnConnect: the master never reads a client's bytes; it passes the
  // connection on untouched.
  const server = net.createServer({ pauseOnConnect: true });
  server.on("connection", (socket) => {
    queued.push(socket);
    dispatch();
  });

  /** Hand queued connections to ready workers, round robin. */
  function dispatch(): void {
    while (queued.length > 0) {
      const slot = nextReadySlot();
      if (!slot?.child) return; // none up: the connections wait for a restart
      const socket = queued.shift() as net.Socket;
      const message: ToWorker = { kind: "connection" };
      slot.unsent.add(socket);
      slot.child.send(message, socket, (err) => {
        if (!slot.unsent.delete(socket)) return; // already taken back (the worker died)
        // The worker died between our check and the send: try another one.
        if (err && !socket.destroyed) {
          slot.ready = false;
          queued.unshift(socket);
          dispatch();
        }
      });
    }
  }

  /** A worker is gone: connections still waiting to be sent to it go to another. */
  function takeBackUnsent(slot: Slot): void {
    const unsent = [...slot.unsent].filter((socket) => !socket.destroyed);
    slot.unsent.clear();
    queued.unshift(...unsent);
    dispatch();
  }

  function nextReadySlot(): Slot | undefined {
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[(nextSlot + i) % slots.length] as Slot;
      if (slot.ready && slot.child?.connected) {
        nextSlot = (nextSlot + i + 1) % slots.length;
        return slot;
      }
    }
    return undefined;
  }

  let markReady: () => void = () => undefined;
  let failReady: (err: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  const checkReady = (): void => {
    if (slots.every((slot) => slot.ready)) markReady();
  };

  function startWorker(slot: Slot): void {
    slot.restartTimer = undefined;
    // fork(): spawn + an IPC socketpair on fd 3 of the child. The child's
    // Node flags (the TypeScript loader) are copied from ours.
    const child = fork(options.workerScript, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    slot.child = child;
    slot.ready = false;
    slot.backoff.started();
    child.on("message", (message: unknown) => {
      if (isMessage<StartedMessage>(message, "started")) {
        if (shuttingDown) return; // it was told to stop; it must not accept
        // The worker's handlers are attached: now it may hold the server.
        // Keep ours open after sending it (see the header).
        const handOver: ToWorker = { kind: "server" };
        child.send(handOver, server);
      } else if (isMessage<ReadyMessage>(message, "ready")) {
        slot.ready = true;
        log(`worker ${child.pid} up`);
        checkReady();
        dispatch();
      }
    });
    child.on("disconnect", () => {
      slot.ready = false;
      takeBackUnsent(slot);
    });
    // A send to a worker that died meanwhile fails here; its "exit" restarts it.
    child.on("error", (err) => log(`worker ${child.pid}: ${err.message}`));
    child.on("exit", (code, signal) => {
      slot.ready = false;
      slot.child = undefined;
      if (shuttingDown) {
        if (slots.every((s) => s.child === undefined)) allExited();
        return;
      }
      const delay = slot.backoff.exited();
      log(`worker ${child.pid} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      slot.restartTimer = setTimeout(() => startWorker(slot), delay);
    });
    // The server is NOT sent yet: a worker gets it once it says "started"
    // (its handlers attached), never while its modules are still loading.
  }

  server.once("error", (err: NodeJS.ErrnoException) => failReady(new ListenError(options.socketPath, err)));
  server.listen(options.socketPath, () => {
    for (const slot of slots) startWorker(slot);
  });

  return {
    ready,
    workerPids: () => slots.flatMap((slot) => (slot.child?.pid !== undefined ? [slot.child.pid] : [])),
    async shutdown(): Promise<void> {
      if (shuttingDown) return exited;
      shuttingDown = true;
      // 1. Stop accepting: closing our server also unlinks the path, so new
      //    clients get ENOENT at once instead of waiting in a dead backlog.
      server.close();
      for (const slot of slots) {
        if (slot.restartTimer) clearTimeout(slot.restartTimer);
        slot.restartTimer = undefined;
      }
      // Connections we accepted but nobody took: hand them out, or end them.
      dispatch();
      for (const socket of queued.splice(0)) socket.destroy();
      // 2. Drain: each worker finishes its in-flight clients, then exits.
      const stop: ToWorker = { kind: "stop" };
      for (const slot of slots) {
        if (slot.child?.connected) slot.child.send(stop);
      }
      if (slots.every((slot) => slot.child === undefined)) allExited();
      // 3. Done when every worker has exited.
      return exited;
    },
  };
}
