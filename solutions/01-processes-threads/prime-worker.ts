// The worker side of the prime pool. Each worker thread runs this file in its
// own V8 isolate: its own heap, its own event loop, and its own kernel thread.
//
// The protocol (types in ./chunks): say hello with our TID as soon as we run,
// then answer every "count" request with a "counted" reply.
import { parentPort } from "node:worker_threads";
import { currentTid } from "./threads";
import { countPrimes, type FromWorker, type ToWorker } from "./chunks";

if (!parentPort) throw new Error("prime-worker.ts runs inside a worker thread; start it with startPrimePool()");
const port = parentPort;

// Read once: this code runs on the worker's own thread, so /proc/thread-self
// names that thread. (Asking from the main thread would give the main TID.)
const tid = currentTid();

function send(message: FromWorker): void {
  port.postMessage(message);
}

port.on("message", (message: ToWorker) => {
  if (message.type !== "count") throw new Error(`prime-worker: unknown request ${JSON.stringify(message)}`);
  const { from, to } = message.chunk;
  send({ type: "counted", tid, chunk: { from, to }, primes: countPrimes(from, to) });
});

send({ type: "hello", tid });
