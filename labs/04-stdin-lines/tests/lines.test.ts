// Lab 04 tests, part 1: lines() on chunks we control exactly.
//
// A stream hands over bytes in chunks that have nothing to do with lines, so
// every rule is checked with the same input cut in many ways: one chunk, one
// byte per chunk, a cut at every position, and random cuts.
import { createReadStream, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_LINE_BYTES, LineTooLongError, lines, type Chunk } from "@impl/04-stdin-lines/lines";
import { rejectionOf, tempDir } from "../../../course/testkit";

/** All the lines of `source`, collected. A synchronous throw becomes a rejection. */
async function collect(source: Iterable<Chunk> | AsyncIterable<Chunk>, maxLineBytes?: number): Promise<string[]> {
  const found: string[] = [];
  for await (const line of lines(source, maxLineBytes === undefined ? {} : { maxLineBytes })) found.push(line);
  return found;
}

/** The chunks handed over one by one, asynchronously, like reads from a real stream. */
async function* slowly(chunks: readonly Chunk[]): AsyncGenerator<Chunk> {
  for (const chunk of chunks) {
    await new Promise((resolve) => setImmediate(resolve));
    yield chunk;
  }
}

const bytes = (text: string): Buffer => Buffer.from(text, "utf8");

/** Cut `data` at the given offsets. */
function cutAt(data: Buffer, offsets: readonly number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    pieces.push(data.subarray(start, offset));
    start = offset;
  }
  pieces.push(data.subarray(start));
  return pieces;
}

/** One byte per chunk: every character and every "\r\n" is split. */
const byteByByte = (data: Buffer): Buffer[] => Array.from(data, (byte) => Buffer.of(byte));

/**
 * The documented answer, computed the simple way on the whole input at once:
 * decode everything (invalid UTF-8 becomes U+FFFD), split on "\n", drop the
 * empty string after a final "\n", drop a "\r" that ends a line.
 */
/**
 * Compare long lists of lines by their first difference: a short message that
 * names the line, instead of a diff of thousands of lines (slow to build, and
 * the one line that matters is lost in it).
 */
function expectSameLines(found: readonly string[], expected: readonly string[], what: string): void {
  const at = expected.findIndex((line, i) => found[i] !== line);
  if (at >= 0) {
    expect(found[at], `${what}: line ${at + 1} of ${expected.length} differs (${found.length} lines found)`).toBe(expected[at]);
  }
  expect(found.length, `${what}: the number of lines`).toBe(expected.length);
}

function expectedLines(data: Buffer): string[] {
  const parts = data.toString("utf8").split("\n");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts.map((part) => (part.endsWith("\r") ? part.slice(0, -1) : part));
}

/** A small, seeded random generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Pieces random inputs are made of: text, multi-byte characters (2, 3 and 4
// bytes), all three kinds of line endings, and bytes that are not UTF-8.
const PIECES: readonly Buffer[] = [
  bytes("a"),
  bytes("line"),
  bytes(" "),
  bytes("é"),
  bytes("€"),
  bytes("😀"),
  bytes("日本"),
  bytes("\n"),
  bytes("\n"),
  bytes("\r\n"),
  bytes("\r"),
  Buffer.of(0xff), // never valid in UTF-8
  Buffer.of(0xe2, 0x82), // the start of "€" with its last byte missing
  Buffer.of(0xc3), // the start of "é" alone
  Buffer.of(0xed, 0xa0, 0x80), // an encoded surrogate: invalid
];

describe("lines", () => {
  it("splits on \\n and drops the newline", async () => {
    expect(await collect([bytes("one\ntwo\nthree\n")])).toEqual(["one", "two", "three"]);
  });

  it("puts back together a line that arrives in pieces (chunks are not lines)", async () => {
    const data = bytes("hello world\nsecond line\n");
    expect(await collect(cutAt(data, [3, 8, 14]))).toEqual(["hello world", "second line"]);
    expect(await collect(byteByByte(data))).toEqual(["hello world", "second line"]);
    expect(await collect(slowly(cutAt(data, [12])))).toEqual(["hello world", "second line"]);
  });

  it("keeps a last line that has no newline", async () => {
    expect(await collect([bytes("one\ntwo")])).toEqual(["one", "two"]);
    expect(await collect([bytes("one\nt"), bytes("wo")])).toEqual(["one", "two"]);
    expect(await collect([bytes("only")])).toEqual(["only"]);
  });

  it("does not invent an empty last line after a final newline", async () => {
    expect(await collect([bytes("one\ntwo\n")])).toEqual(["one", "two"]);
    expect(await collect([bytes("one\ntwo"), bytes("\n")])).toEqual(["one", "two"]);
    expect(await collect([bytes("")])).toEqual([]);
    expect(await collect([])).toEqual([]);
  });

  it("keeps empty lines", async () => {
    expect(await collect([bytes("\n")])).toEqual([""]);
    expect(await collect([bytes("\n\na\n\n")])).toEqual(["", "", "a", ""]);
    expect(await collect(byteByByte(bytes("\n\na\n\nb")))).toEqual(["", "", "a", "", "b"]);
  });

  it('removes "\\r\\n" endings, also when "\\r" and "\\n" are in different chunks, and keeps a lone "\\r"', async () => {
    expect(await collect([bytes("one\r\ntwo\r\n")])).toEqual(["one", "two"]);
    expect(await collect([bytes("one\r"), bytes("\ntwo\r"), bytes("\n")])).toEqual(["one", "two"]);
    expect(await collect([bytes("a\rb\n\r\n")])).toEqual(["a\rb", ""]);
  });

  it("decodes a character split across chunks, wherever the cut falls", async () => {
    const text = "naïve café: 3 €, 😀 日本語\nñ\n";
    const data = bytes(text);
    for (let cut = 1; cut < data.length; cut++) {
      expect(await collect(cutAt(data, [cut])), `cut at byte ${cut}`).toEqual(["naïve café: 3 €, 😀 日本語", "ñ"]);
    }
    expect(await collect(byteByByte(data))).toEqual(["naïve café: 3 €, 😀 日本語", "ñ"]);
  });

  it("turns invalid UTF-8 into U+FFFD, one per bad sequence, the same however it is chunked", async () => {
    // 0xFF can never appear in UTF-8; E2 82 is "€" without its last byte.
    const data = Buffer.concat([bytes("a"), Buffer.of(0xff), bytes("b\n"), Buffer.of(0xe2, 0x82), bytes("\nc"), Buffer.of(0xe2, 0x82)]);
    const expected = ["a\uFFFDb", "\uFFFD", "c\uFFFD"];
    expect(await collect([data])).toEqual(expected);
    expect(await collect(byteByByte(data))).toEqual(expected);
    for (let cut = 1; cut < data.length; cut++) {
      expect(await collect(cutAt(data, [cut])), `cut at byte ${cut}`).toEqual(expected);
    }
  });

  it("keeps a byte-order mark (it is data, not a line ending)", async () => {
    expect(await collect([Buffer.of(0xef, 0xbb), Buffer.of(0xbf), bytes("x\n")])).toEqual(["\uFEFFx"]);
  });

  it("accepts Uint8Array and string chunks as well as Buffers", async () => {
    expect(await collect([new Uint8Array([0x61, 0x0a, 0x62]), "c\nd", bytes("\n")])).toEqual(["a", "bc", "d"]);
  });

  it("gives the same lines for random inputs however they are cut (property test)", async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const next = random(seed);
      const pieceCount = Math.floor(next() * 60);
      const data = Buffer.concat(Array.from({ length: pieceCount }, () => PIECES[Math.floor(next() * PIECES.length)]!));
      const cuts = Array.from({ length: Math.floor(next() * 12) }, () => Math.floor(next() * (data.length + 1)));
      const chunks = cutAt(data, cuts); // repeated cuts give empty chunks, which must be harmless
      const source = next() < 0.5 ? chunks : slowly(chunks);
      expect(await collect(source), `seed ${seed}, input ${data.toString("hex")}, cuts at ${cuts.join(",")}`).toEqual(expectedLines(data));
    }
  });

  it("reads a real stream: a file bigger than one chunk", async () => {
    const file = path.join(tempDir("lines-"), "input.txt");
    const text = Array.from({ length: 20_000 }, (_, i) => `line ${i} → ${"é".repeat(i % 7)}`).join("\n") + "\n";
    writeFileSync(file, text);
    // 1000-byte reads: many characters and lines straddle two chunks.
    const stream = createReadStream(file, { highWaterMark: 1000 });
    try {
      const found = await collect(stream);
      expectSameLines(found, expectedLines(bytes(text)), "a 20 000-line file read in chunks of 1000 bytes");
    } finally {
      if (!stream.closed) await new Promise<void>((resolve) => stream.destroy().once("close", () => resolve()));
    }
  });

  it("reads only as far as the consumer has asked (backpressure)", async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<Buffer> {
      for (let chunk = 0; chunk < 100; chunk++) {
        pulled += 1;
        yield bytes(Array.from({ length: 10 }, (_, i) => `chunk ${chunk} line ${i}\n`).join(""));
      }
    }
    const reader = lines(source())[Symbol.asyncIterator]();
    expect(await reader.next()).toEqual({ done: false, value: "chunk 0 line 0" });
    await new Promise((resolve) => setImmediate(resolve)); // give a background reader its chance
    expect(pulled, "chunks read from the source when one line was asked for").toBeLessThanOrEqual(2);
    for (let i = 1; i < 10; i++) await reader.next();
    expect(await reader.next()).toEqual({ done: false, value: "chunk 1 line 0" });
    expect(pulled).toBeLessThanOrEqual(3);
    await reader.return?.();
  });

  it("closes the source when the consumer stops early", async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Buffer> {
      try {
        for (let i = 0; i < 10_000; i++) yield bytes("again\n");
        throw new Error("lines() read 10,000 chunks when the consumer had asked for one line");
      } finally {
        closed = true;
      }
    }
    for await (const line of lines(source())) {
      expect(line).toBe("again");
      break;
    }
    expect(closed, "the source's finally block ran").toBe(true);
  });
});

describe("maxLineBytes", () => {
  it("throws LineTooLongError naming the line, after handing over the lines before it", async () => {
    const found: string[] = [];
    const error = await rejectionOf(async () => {
      for await (const line of lines([bytes("short\nfine\n" + "x".repeat(100) + "\nafter\n")], { maxLineBytes: 50 })) {
        found.push(line);
      }
    });
    expect(found).toEqual(["short", "fine"]);
    expect(error).toBeInstanceOf(LineTooLongError);
    const tooLong = error as LineTooLongError;
    expect(tooLong.lineNumber).toBe(3);
    expect(tooLong.maxLineBytes).toBe(50);
    expect(tooLong.message).toMatch(/line 3\b/);
    expect(tooLong.message).toContain("50");
  });

  it("finds the line however the input is chunked, the last line included", async () => {
    const data = bytes("a\nbb\n" + "y".repeat(30));
    for (const chunks of [[data], byteByByte(data), cutAt(data, [3, 7, 20])]) {
      await expect(collect(chunks, 20)).rejects.toMatchObject({ name: "LineTooLongError", lineNumber: 3 });
    }
  });

  it("counts bytes, not characters, and not the line ending", async () => {
    expect(await collect([bytes("x".repeat(10) + "\n")], 10)).toEqual(["x".repeat(10)]);
    expect(await collect([bytes("x".repeat(10) + "\r\n")], 10)).toEqual(["x".repeat(10)]);
    expect(await collect(byteByByte(bytes("x".repeat(10) + "\r\n")), 10)).toEqual(["x".repeat(10)]);
    expect(await collect([bytes("x".repeat(10))], 10)).toEqual(["x".repeat(10)]);
    await expect(collect([bytes("x".repeat(11) + "\n")], 10)).rejects.toBeInstanceOf(LineTooLongError);
    // Four characters, eight bytes.
    await expect(collect([bytes("éééé\n")], 7)).rejects.toMatchObject({ lineNumber: 1 });
    expect(await collect([bytes("éééé\n")], 8)).toEqual(["éééé"]);
  });

  it("stops reading a 1 GB line soon after the limit, instead of buffering it", async () => {
    const MiB = 1024 * 1024;
    const piece = Buffer.alloc(MiB, "x"); // the same buffer, handed over again and again
    let pulled = 0;
    async function* oneGigabyteLine(): AsyncGenerator<Buffer> {
      yield bytes("first\nsecond\n");
      for (let i = 0; i < 1024; i++) {
        if (pulled >= 64 * MiB) {
          throw new Error("read 64 MiB of a single line without stopping: the line is being buffered without a bound");
        }
        pulled += piece.length;
        yield piece;
      }
    }
    const found: string[] = [];
    const error = await rejectionOf(async () => {
      for await (const line of lines(oneGigabyteLine(), { maxLineBytes: 4 * MiB })) found.push(line);
    });
    expect(error instanceof LineTooLongError ? "a LineTooLongError" : String(error), "what lines() threw").toBe("a LineTooLongError");
    expect(found).toEqual(["first", "second"]);
    expect((error as LineTooLongError).lineNumber).toBe(3);
    expect(pulled, "bytes of the long line read before giving up").toBeLessThanOrEqual(6 * MiB);
  });

  it("defaults to 1 MiB", async () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(1024 * 1024);
    const atLimit = "z".repeat(DEFAULT_MAX_LINE_BYTES);
    expect((await collect([bytes(`${atLimit}\n`)]))[0]!.length).toBe(DEFAULT_MAX_LINE_BYTES);
    await expect(collect([bytes(`${atLimit}z\n`)])).rejects.toBeInstanceOf(LineTooLongError);
  });

  it("rejects a limit that is not a positive whole number of bytes", async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(collect([bytes("a\n")], bad), `maxLineBytes ${bad}`).rejects.toThrow(/maxLineBytes/);
    }
  });
});
