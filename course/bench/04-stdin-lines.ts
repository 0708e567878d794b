// Chapter 04: lines() against node:readline, splitting the same 256 MiB.
//
// Both read a stream of 64 KiB chunks cut without regard to lines (as reads
// from a pipe are), from memory, so that the comparison measures the line
// splitting and not the disk or the kernel. The text is log-like: mostly
// ASCII, some multi-byte UTF-8, some "\r\n" endings. Each reader is used the
// way a program would use it, with `for await`; readline gets
// `crlfDelay: Infinity` so that it also treats "\r\n" as one line ending.
// After a warm-up, the two alternate for three rounds and the medians are
// compared: ratio = readline's time / lines()'s time, so above 1 is faster.
import readline from "node:readline";
import { Readable } from "node:stream";
import { lines } from "../../solutions/04-stdin-lines/lines";
import type { Benchmark, BenchResult } from "./types";

const MiB = 1024 * 1024;
const TOTAL_BYTES = 256 * MiB;
const CHUNK_BYTES = 64 * 1024;
const ROUNDS = 3;

/** About 4 MiB of varied lines ending in "\n", the same on every run (a seeded generator). */
function sampleText(): Buffer {
  const words = ["GET", "/api/v1/users", "200", "1532", "ms", "INFO", "request", "done", "user=alice", "café", "naïve", "id=42", "→", "ok", "😀"];
  let state = 42;
  const random = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
  const out: string[] = [];
  let size = 0;
  while (size < 4 * MiB) {
    const count = Math.floor(random() * 14);
    const line = Array.from({ length: count }, () => words[Math.floor(random() * words.length)]).join(" ");
    const ending = random() < 0.1 ? "\r\n" : "\n";
    out.push(line + ending);
    size += Buffer.byteLength(line) + ending.length;
  }
  return Buffer.from(out.join(""), "utf8");
}

/** A fresh stream of TOTAL_BYTES: the sample repeated, in CHUNK_BYTES pieces. */
function chunkedStream(sample: Buffer): Readable {
  function* chunks(): Generator<Buffer> {
    let offset = 0;
    for (let sent = 0; sent < TOTAL_BYTES; ) {
      const end = Math.min(offset + CHUNK_BYTES, sample.length);
      yield sample.subarray(offset, end);
      sent += end - offset;
      offset = end === sample.length ? 0 : end;
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

interface Tally {
  lines: number;
  chars: number;
}

async function withLines(sample: Buffer): Promise<Tally> {
  const tally = { lines: 0, chars: 0 };
  for await (const line of lines(chunkedStream(sample))) {
    tally.lines += 1;
    tally.chars += line.length;
  }
  return tally;
}

async function withReadline(sample: Buffer): Promise<Tally> {
  const tally = { lines: 0, chars: 0 };
  for await (const line of readline.createInterface({ input: chunkedStream(sample), crlfDelay: Infinity })) {
    tally.lines += 1;
    tally.chars += line.length;
  }
  return tally;
}

/** readline's fastest use, a callback per line (no backpressure): for reference only. */
function withReadlineEvents(sample: Buffer): Promise<Tally> {
  return new Promise((resolve) => {
    const tally = { lines: 0, chars: 0 };
    const reader = readline.createInterface({ input: chunkedStream(sample), crlfDelay: Infinity });
    reader.on("line", (line: string) => {
      tally.lines += 1;
      tally.chars += line.length;
    });
    reader.on("close", () => resolve(tally));
  });
}

async function timed(run: () => Promise<Tally>): Promise<{ ms: number; tally: Tally }> {
  const start = performance.now();
  const tally = await run();
  return { ms: performance.now() - start, tally };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function run(): Promise<BenchResult> {
  const sample = sampleText();
  // Warm-up: let the JIT compile both before anything is timed.
  const reference = (await timed(() => withLines(sample))).tally;
  await timed(() => withReadline(sample));

  const ours: number[] = [];
  const peer: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate who goes first, so that neither always gets the warmer machine.
    const order = round % 2 === 0 ? ["ours", "peer"] : ["peer", "ours"];
    for (const who of order) {
      const result = await timed(() => (who === "ours" ? withLines(sample) : withReadline(sample)));
      if (result.tally.lines !== reference.lines || result.tally.chars !== reference.chars) {
        throw new Error(
          `lines() and readline disagree: ${reference.lines} lines / ${reference.chars} chars vs ` +
            `${result.tally.lines} / ${result.tally.chars} (${who})`,
        );
      }
      (who === "ours" ? ours : peer).push(result.ms);
    }
  }
  const events = await timed(() => withReadlineEvents(sample));

  const oursMs = median(ours);
  const peerMs = median(peer);
  const mbPerSecond = (ms: number): string => ((TOTAL_BYTES / MiB / ms) * 1000).toFixed(0);
  const list = (values: number[]): string => values.map((ms) => ms.toFixed(0)).join(", ");
  return {
    name: `lines() vs node:readline (for await), ${TOTAL_BYTES / MiB} MiB, ${reference.lines} lines`,
    ratio: peerMs / oursMs,
    goal: 1.0,
    details: [
      `lines():             median ${oursMs.toFixed(0)} ms (${mbPerSecond(oursMs)} MiB/s); rounds: ${list(ours)} ms`,
      `readline, for await: median ${peerMs.toFixed(0)} ms (${mbPerSecond(peerMs)} MiB/s); rounds: ${list(peer)} ms`,
      `for reference, readline 'line' events (no backpressure): ${events.ms.toFixed(0)} ms`,
      `input: ${CHUNK_BYTES / 1024} KiB chunks from memory, mostly ASCII, some UTF-8 and "\\r\\n"`,
    ],
  };
}

export const benchmarks: Benchmark[] = [{ id: "04-stdin-lines", run }];
