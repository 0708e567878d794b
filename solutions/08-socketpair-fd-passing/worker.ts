// A pre-fork worker: started by the master with child_process.fork(), it
// receives the master's listening server over the IPC channel and serves
// clients from it. The kernel hands each connection to whichever process
// calls accept() first: the workers (and the master) share one socket.
//
// The service: greet with "hello from <pid>", read one line, answer it in
// upper case, close. A connection that has been greeted is "in flight".
import type { Server, Socket } from "node:net";
import { isMessage, type ConnectionMessage, type ServerMessage, type StartedMessage, type StopMessage } from "./protocol";

const inFlight = new Set<Socket>();
let server: Server | undefined;
let stopping = false;

function serve(socket: Socket): void {
  if (stopping) {
    socket.destroy();
    return;
  }
  inFlight.add(socket);
  socket.on("error", () => socket.destroy()); // a client that vanished: nothing to answer
  socket.on("close", () => {
    inFlight.delete(socket);
    exitIfDrained();
  });
  socket.write(`hello from ${process.pid}\n`);
  let pending = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    pending += chunk;
    const newline = pending.indexOf("\n");
    if (newline < 0) return;
    socket.end(`${pending.slice(0, newline).toUpperCase()}\n`);
  });
  // The master forwards connections it accepted with pauseOnConnect: start reading.
  socket.resume();
}

/** Stop accepting; exit once every in-flight connection is finished. */
function stop(): void {
  if (stopping) return;
  stopping = true;
  // Closing the server here only drops this process's descriptor: the path
  // belongs to the master (the process that bound it), so nothing is unlinked.
  server?.close();
  exitIfDrained();
}

function exitIfDrained(): void {
  if (!stopping || inFlight.size > 0) return;
  if (process.connected) process.disconnect();
  process.exit(0);
}

/** Wire the worker to its master: messages in, 'disconnect' when the master dies. */
function main(): void {
  if (!process.connected) {
    process.stderr.write("worker.ts must be started by the master with child_process.fork()\n");
    process.exit(2);
  }
  process.on("message", (message: unknown, handle: unknown) => {
    if (isMessage<ServerMessage>(message, "server")) {
      // Node already listens on the handle it received; this listener is
      // attached in the same tick, before its first accept can run.
      server = handle as Server;
      server.on("connection", serve);
      process.send?.({ kind: "ready" });
    } else if (isMessage<ConnectionMessage>(message, "connection")) {
      serve(handle as Socket);
    } else if (isMessage<StopMessage>(message, "stop")) {
      stop();
    }
  });
  // The IPC channel closes when the master dies, even by SIGKILL (the kernel
  // closes its end of the socketpair). A worker without a master must not
  // linger as an orphan holding the socket: finish in-flight work and go.
  process.on("disconnect", stop);
  // Only now ask for the server. Had the master sent it at fork time, this
  // process would have received it while its modules were still loading:
  // Node listens on a received server at once (and keeps the message until a
  // "message" listener exists), so clients accepted in that window would
  // reach a server with no "connection" listener and hang forever.
  const started: StartedMessage = { kind: "started" };
  process.send?.(started);
}

main();
