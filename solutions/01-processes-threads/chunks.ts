// The CPU-bound work of this chapter, and how to share it out.
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

function checkInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${name} must be a whole number, not ${String(value)}`);
  }
}

/**
 * Cut [from, to) into `parts` contiguous chunks whose lengths differ by at
 * most one: the first (length % parts) chunks are one longer. When the range
 * is shorter than `parts`, the last chunks are empty (from === to).
 */
export function splitRange(from: number, to: number, parts: number): Chunk[] {
  checkInteger(from, "from");
  checkInteger(to, "to");
  if (to < from) throw new RangeError(`the range is empty or reversed: from ${from} is above to ${to}`);
  if (!Number.isSafeInteger(parts) || parts < 1) {
    throw new RangeError(`parts must be a whole number of at least 1, not ${String(parts)}`);
  }
  const length = to - from;
  // Integer division: `Math.floor(length / parts)` for everyone, and the
  // remainder handed out one by one, so nothing at the end is dropped.
  const base = Math.floor(length / parts);
  const extra = length % parts;
  const chunks: Chunk[] = [];
  let start = from;
  for (let i = 0; i < parts; i++) {
    const size = base + (i < extra ? 1 : 0);
    chunks.push({ from: start, to: start + size });
    start += size;
  }
  return chunks;
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
