// A pre-fork worker: started by the master with child_process.fork(), it
// receives the master's listening server over the IPC channel and serves
// clients from it. The kernel hands each connection to whichever process
// calls accept() first: the workers (and the master) share one socket.
//
// The service: greet with "hello from <pid>", read one line, answer it in
// upper case, close. A connection that has been greeted is "in flight".
import type { Server, Socket } from "node:net";
import { isMessage, type ConnectionMessage, type ServerMessage, type StopMessage } from "./protocol";

const inFlight = new Set<Socket>();
let server: Server | undefined;
let stopping = false;

function serve(socket: Socket): void {
  // TODO: if stopping, destroy the socket. Otherwise add it to inFlight
  // (remove it on "close", then call exitIfDrained), ignore its "error",
  // write `hello from ${process.pid}\n`, and when a whole line has arrived
  // answer `${line.toUpperCase()}\n` with socket.end(). The master forwards
  // connections accepted with pauseOnConnect: call socket.resume().
  throw new Error("TODO: serve");
}

/** Stop accepting; exit once every in-flight connection is finished. */
function stop(): void {
  // TODO: set stopping (once), close the server, then exitIfDrained().
  throw new Error("TODO: stop");
}

function exitIfDrained(): void {
  // TODO: when stopping and nothing is in flight: disconnect from the master
  // (if still connected) and exit with code 0.
  throw new Error("TODO: exitIfDrained");
}

/** Wire the worker to its master: messages in, 'disconnect' when the master dies. */
function main(): void {
  // TODO:
  //  - not started by fork() (no process.connected)? say so on stderr, exit 2;
  //  - on "message" (message, handle): "server" -> keep the handle as `server`,
  //    serve its "connection"s, send { kind: "ready" } to the master;
  //    "connection" -> serve(handle); "stop" -> stop();
  //  - on "disconnect" (the master died, even by SIGKILL): stop();
  //  - the master is waiting to hear that this worker can take the server
  //    (protocol.ts).
  //  Tell the messages apart with isMessage<ServerMessage>(message, "server"), ...
  throw new Error("TODO: worker main");
}

main();
