// Lab 01, part 3: the worker side of the prime pool. Each worker thread runs
// this file in its own V8 isolate: its own heap, its own event loop, and its
// own kernel thread.
//
// The protocol (types in ./chunks): say hello with our TID as soon as we run,
// then answer every "count" request with a "counted" reply.
import { parentPort } from "node:worker_threads";
import { currentTid } from "./threads";
import { countPrimes, type FromWorker, type ToWorker } from "./chunks";

// TODO:
// 1. `parentPort` is this worker's end of the channel to the pool (null when
//    the file is not running in a worker: throw a clear error then).
// 2. Find this thread's TID with currentTid(). It must run here, in the
//    worker: called in the main thread it would give the main thread's TID.
// 3. On every message (a ToWorker), count the primes of its chunk and post a
//    FromWorker reply of type "counted" with your TID, the chunk and the count.
// 4. Post { type: "hello", tid } once, so the pool knows you are running.
throw new Error("TODO: prime-worker.ts is not written yet");
