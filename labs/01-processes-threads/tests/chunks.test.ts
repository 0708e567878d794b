// Lab 01 tests: splitRange, the arithmetic of sharing out work that does not
// divide evenly.
import { describe, expect, it } from "vitest";
import { splitRange, type Chunk } from "@impl/01-processes-threads/chunks";

function lengths(chunks: Chunk[]): number[] {
  return chunks.map((c) => c.to - c.from);
}

describe("splitRange", () => {
  it("gives the remainder to the first chunks, one each", () => {
    expect(splitRange(0, 10, 3)).toEqual([
      { from: 0, to: 4 },
      { from: 4, to: 7 },
      { from: 7, to: 10 },
    ]);
    expect(splitRange(100, 114, 4)).toEqual([
      { from: 100, to: 104 },
      { from: 104, to: 108 },
      { from: 108, to: 111 },
      { from: 111, to: 114 },
    ]);
  });

  it("splits evenly when it can", () => {
    expect(lengths(splitRange(0, 12, 4))).toEqual([3, 3, 3, 3]);
    expect(splitRange(5, 6, 1)).toEqual([{ from: 5, to: 6 }]);
  });

  it("covers every number exactly once, with lengths that differ by at most one", () => {
    for (const [from, to, parts] of [
      [0, 1000, 7],
      [3, 1004, 8],
      [17, 17 + 99_991, 6],
      [0, 5, 5],
      [1, 2, 3],
    ] as const) {
      const chunks = splitRange(from, to, parts);
      expect(chunks).toHaveLength(parts);
      expect(chunks[0]!.from).toBe(from);
      expect(chunks[chunks.length - 1]!.to).toBe(to);
      for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.from).toBe(chunks[i - 1]!.to);
      const sizes = lengths(chunks);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(to - from);
    }
  });

  it("gives empty chunks at the end when there are more parts than numbers", () => {
    expect(splitRange(5, 7, 4)).toEqual([
      { from: 5, to: 6 },
      { from: 6, to: 7 },
      { from: 7, to: 7 },
      { from: 7, to: 7 },
    ]);
    expect(splitRange(9, 9, 2)).toEqual([
      { from: 9, to: 9 },
      { from: 9, to: 9 },
    ]);
  });

  it("rejects a reversed range and a part count that is not a positive whole number", () => {
    expect(() => splitRange(0, 10, 0)).toThrow(RangeError);
    expect(() => splitRange(0, 10, 0)).toThrow(/parts/);
    expect(() => splitRange(0, 10, 2.5)).toThrow(/parts/);
    expect(() => splitRange(10, 0, 2)).toThrow(RangeError);
    expect(() => splitRange(0.5, 10, 2)).toThrow(RangeError);
  });
});
