// The grading bench's mutants (course/bench/fixtures/mutants/NN-slug/*.patch)
// are diffs against the solutions. A solution that changes can leave its
// mutant behind; this finds that in seconds, where the bench needs minutes.
// (That each mutant fails its lab's tests is what `npm run bench -- grading`
// measures and reports.)
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { applyPatch, mutate, parsePatch } from "../bench/patch";
import { courseRoot } from "../foundation/layout";

const MUTANTS = path.join(courseRoot, "course", "bench", "fixtures", "mutants");

describe("grading bench mutants", () => {
  const patches = readdirSync(MUTANTS).flatMap((lab) => readdirSync(path.join(MUTANTS, lab)).map((file) => ({ lab, file })));

  it("are patches, at least one per lab that has mutants", () => {
    expect(patches.length).toBeGreaterThan(0);
    for (const { lab, file } of patches) expect(file, `${lab}/${file}`).toMatch(/\.ts\.patch$/);
  });

  for (const { lab, file } of patches) {
    it(`${lab}/${file} applies to the current solution, changes only solutions/${lab}/, and says what it breaks`, () => {
      const mutant = mutate(path.join(MUTANTS, lab, file), courseRoot);
      expect(mutant.target).toBe(`solutions/${lab}/${file.replace(/\.patch$/, "")}`);
      expect(mutant.text).not.toBe(readFileSync(path.join(courseRoot, mutant.target), "utf8"));
      expect(mutant.description.length, "the text before the diff describes the bug").toBeGreaterThan(20);
    });
  }
});

describe("applyPatch", () => {
  const original = ["one", "two", "three", "four", ""].join("\n");
  const patch = (body: string): string => `a description\n--- a/x.ts\n+++ b/x.ts\n${body}`;

  it("replaces, inserts and keeps context, exactly where the hunk says", () => {
    const changed = applyPatch(original, parsePatch(patch("@@ -2,2 +2,3 @@\n-two\n+TWO\n+two and a half\n three\n"), "t"), "t");
    expect(changed).toBe(["one", "TWO", "two and a half", "three", "four", ""].join("\n"));
    expect(applyPatch(original, parsePatch(patch("@@ -1,0 +2 @@\n+after one\n"), "t"), "t")).toBe(["one", "after one", "two", "three", "four", ""].join("\n"));
  });

  it("finds the hunk's lines where the file has moved them", () => {
    const moved = ["a comment added above", original].join("\n");
    expect(applyPatch(moved, parsePatch(patch("@@ -2,2 +2,2 @@\n-two\n+TWO\n three\n"), "t"), "t")).toBe(
      ["a comment added above", "one", "TWO", "three", "four", ""].join("\n"),
    );
  });

  it("refuses a hunk whose lines are not in the file, naming them and the fix", () => {
    const stale = parsePatch(patch("@@ -2,2 +2,2 @@\n-deux\n+TWO\n three\n"), "stale.patch");
    expect(() => applyPatch(original, stale, "stale.patch")).toThrow(/stale\.patch no longer fits x\.ts:[^]*deux[^]*write the patch again/);
  });
});
