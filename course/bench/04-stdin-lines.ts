// Chapter 04: lines() against node:readline, splitting the same 256 MiB.
//
// Three readers split the same input: the model answer (solutions/, written
// to be read: an async generator that yields line by line), a variant tuned
// for speed (04-stdin-lines-tuned.ts beside this file: one decode per chunk,
// lines handed out by a plain iterator), and node:readline. All read a stream
// of 64 KiB chunks cut without regard to lines (as reads from a pipe are),
// from memory, so that the comparison measures the line splitting and not the
// disk or the kernel. The text is log-like: mostly ASCII, some multi-byte
// UTF-8, some "\r\n" endings. Each reader is used the way a program would use
// it, with `for await`; readline gets `crlfDelay: Infinity` so that it also
// treats "\r\n" as one line ending. After a warm-up, the three take turns
// (in a rotating order) for three rounds and the medians are compared; all
// must find the same lines and characters.
//
// Two results from that one measurement:
//   04-stdin-lines        the model vs readline: ratio = readline's time /
//                         the model's time (above 1: the model is faster)
//   04-stdin-lines:tuned  the tuned variant vs readline, the same way; the
//                         details say what the tuning buys over the model
import readline from "node:readline";
import { Readable } from "node:stream";
import { lines } from "../../solutions/04-stdin-lines/lines";
import { tunedLines } from "./04-stdin-lines-tuned";
import type { Benchmark, BenchResult } from "./types";

const MiB = 1024 * 1024;
const TOTAL_BYTES = 256 * MiB;
const CHUNK_BYTES = 64 * 1024;
const ROUNDS = 3;
// The model trades speed for clarity: it decodes each line with its own
// toString() and an async generator yields once per line, where the tuned
// variant decodes a chunk at once and hands out lines from an array. It is not
// meant to beat readline, only to stay within a few times of it (0.3x and
// 0.6x in two runs on a loaded 2-CPU machine, the tuned variant 2.4x to 3.9x
// faster than the model); the goal catches a model made much slower, such as
// one that copies its unfinished line quadratically.
const GOAL_MODEL = 0.25;

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
    for (let sent = 0; sent < TOTAL_BYTES;) {
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

async function withTunedLines(sample: Buffer): Promise<Tally> {
  const tally = { lines: 0, chars: 0 };
  for await (const line of tunedLines(chunkedStream(sample))) {
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

const READERS = {
  "lines() (model)": withLines,
  "lines() (tuned)": withTunedLines,
  "readline, for await": withReadline,
} as const;
type Reader = keyof typeof READERS;
const NAMES = Object.keys(READERS) as Reader[];

interface Measured {
  /** The times of each reader, one per round, in ms. */
  times: Record<Reader, number[]>;
  medians: Record<Reader, number>;
  reference: Tally;
  eventsMs: number;
}

async function measure(): Promise<Measured> {
  const sample = sampleText();
  // Warm-up: let the JIT compile every reader before anything is timed.
  const reference = (await timed(() => withLines(sample))).tally;
  for (const name of NAMES) await timed(() => READERS[name](sample));

  const times: Record<Reader, number[]> = { "lines() (model)": [], "lines() (tuned)": [], "readline, for await": [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate who goes first, so that no reader always gets the warmer machine.
    const order = NAMES.map((_, i) => NAMES[(i + round) % NAMES.length]!);
    for (const name of order) {
      const result = await timed(() => READERS[name](sample));
      if (result.tally.lines !== reference.lines || result.tally.chars !== reference.chars) {
        throw new Error(
          `the readers disagree: lines() (model) found ${reference.lines} lines / ${reference.chars} chars, ` +
            `${name} ${result.tally.lines} / ${result.tally.chars}`,
        );
      }
      times[name].push(result.ms);
    }
  }
  const events = await timed(() => withReadlineEvents(sample));
  const medians = {
    "lines() (model)": median(times["lines() (model)"]),
    "lines() (tuned)": median(times["lines() (tuned)"]),
    "readline, for await": median(times["readline, for await"]),
  };
  return { times, medians, reference, eventsMs: events.ms };
}

/** One measurement for both results (`npm run bench -- 04` asks for both). */
let measuring: Promise<Measured> | undefined;
const measured = (): Promise<Measured> => (measuring ??= measure());

function details(m: Measured): string[] {
  const mbPerSecond = (ms: number): string => ((TOTAL_BYTES / MiB / ms) * 1000).toFixed(0);
  const list = (values: number[]): string => values.map((ms) => ms.toFixed(0)).join(", ");
  return [
    ...NAMES.map(
      (name) => `${`${name}:`.padEnd(21)} median ${m.medians[name].toFixed(0)} ms (${mbPerSecond(m.medians[name])} MiB/s); rounds: ${list(m.times[name])} ms`,
    ),
    `tuned / model speed: ${(m.medians["lines() (model)"] / m.medians["lines() (tuned)"]).toFixed(2)}x`,
    `for reference, readline 'line' events (no backpressure): ${m.eventsMs.toFixed(0)} ms`,
    `input: ${CHUNK_BYTES / 1024} KiB chunks from memory, mostly ASCII, some UTF-8 and "\\r\\n"`,
  ];
}

function versusReadline(reader: Reader, goal: number): () => Promise<BenchResult> {
  return async () => {
    const m = await measured();
    return {
      name: `${reader} vs node:readline (for await), ${TOTAL_BYTES / MiB} MiB, ${m.reference.lines} lines`,
      ratio: m.medians["readline, for await"] / m.medians[reader],
      goal,
      details: details(m),
    };
  };
}

export const benchmarks: Benchmark[] = [
  { id: "04-stdin-lines", run: versusReadline("lines() (model)", GOAL_MODEL) },
  { id: "04-stdin-lines:tuned", run: versusReadline("lines() (tuned)", 1.0) },
];
