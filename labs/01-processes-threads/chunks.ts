// Lab 01, part 2: the CPU-bound work, and how to share it out.
//
// Counting primes by trial division keeps a core busy and needs nothing but
// two numbers in and one number out, so the cost of talking to a worker
// thread is tiny next to the work. That makes the speedup from running it on
// several threads easy to see.
//
// This module is shared by both sides: the pool (main thread) splits a range
// with `splitRange`, each worker runs `countPrimes` on its chunk, and the
// message types say what travels between them.

/** A half-open range of integers: from ≤ n < to. */
export interface Chunk {
  from: number;
  to: number;
}

/** Worker → pool, once, as soon as the worker runs: which kernel thread it is. */
export interface HelloMessage {
  type: "hello";
  tid: number;
}

/** Pool → worker: count the primes in this chunk. */
export interface CountRequest {
  type: "count";
  chunk: Chunk;
}

/** Worker → pool: the answer, and which kernel thread computed it. */
export interface CountReply {
  type: "counted";
  tid: number;
  chunk: Chunk;
  primes: number;
}

export type FromWorker = HelloMessage | CountReply;
export type ToWorker = CountRequest;

/**
 * Cut [from, to) into `parts` contiguous chunks whose lengths differ by at
 * most one: the first (length % parts) chunks are one longer. When the range
 * is shorter than `parts`, the last chunks are empty (from === to).
 */
export function splitRange(from: number, to: number, parts: number): Chunk[] {
  // TODO: return exactly `parts` chunks that cover every number of [from, to)
  // exactly once. 10 numbers in 3 parts are 4 + 3 + 3, not 3 + 3 + 3 (one
  // lost) nor 4 + 4 + 2 (uneven).
  // Throw a RangeError when from or to is not a whole number, when to < from,
  // or when parts is not a whole number ≥ 1 (say "parts" in that message).
  throw new Error("TODO: splitRange is not written yet");
}

/**
 * How many primes n satisfy from ≤ n < to. Plain trial division by odd
 * numbers up to √n: slow on purpose, so there is work to share out.
 * Given code: you do not need to change it.
 */
export function countPrimes(from: number, to: number): number {
  let count = 0;
  for (let n = Math.max(from, 2); n < to; n++) {
    if (n % 2 === 0) {
      if (n === 2) count++;
      continue;
    }
    let prime = true;
    for (let d = 3; d * d <= n; d += 2) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}
