// A tiny applier for the unified diffs the grading bench keeps its mutants in
// (fixtures/mutants/NN-slug/<file>.patch: one solution file, one bug).
//
// Written here rather than calling `git apply` or `patch`, so that the bench
// needs nothing beyond Node. Like `patch`, it finds a hunk's lines where the
// hunk says or, if the solution has moved them (a comment added above), at
// the nearest place they occur. Unlike `patch`, there is no fuzz: every context
// and removed line must match exactly, or it throws, saying which patch went
// stale and how to make it again. A mutant whose code has changed must be
// looked at, not guessed into place.
import { readFileSync } from "node:fs";

/** A parsed patch: the file it changes (as named after `+++ b/`), its description, its hunks. */
export interface FilePatch {
  /** The path after "+++ b/", relative to the course root, e.g. "solutions/04-stdin-lines/lines.ts". */
  target: string;
  /** The text before the diff: what the mutant gets wrong. */
  description: string;
  hunks: Hunk[];
}

interface Hunk {
  /** 1-based line of the original file where the hunk starts. */
  oldStart: number;
  /** Each line of the hunk with its marker: " " context, "-" removed, "+" added. */
  lines: { marker: " " | "-" | "+"; text: string }[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Read a one-file unified diff, such as `diff -u` or `git diff` writes. */
export function parsePatch(text: string, where: string): FilePatch {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const plus = lines.findIndex((line) => line.startsWith("+++ "));
  if (plus < 1 || !lines[plus - 1]!.startsWith("--- ")) {
    throw new Error(`${where}: not a unified diff (no "--- a/..." and "+++ b/..." lines)`);
  }
  const target = lines[plus]!.slice(4).split("\t")[0]!.replace(/^b\//, "");
  const description = lines
    .slice(0, plus - 1)
    .filter((line) => !line.startsWith("diff ") && !line.startsWith("index "))
    .join("\n")
    .trim();

  const hunks: Hunk[] = [];
  for (const line of lines.slice(plus + 1)) {
    const header = HUNK_HEADER.exec(line);
    if (header) {
      hunks.push({ oldStart: Number(header[1]), lines: [] });
      continue;
    }
    const hunk = hunks.at(-1);
    if (hunk === undefined) throw new Error(`${where}: a line before the first "@@" hunk header: ${JSON.stringify(line)}`);
    if (line.startsWith("\\")) continue; // "\ No newline at end of file"
    const marker = line[0] ?? " "; // some editors strip the space of an empty context line
    if (marker !== " " && marker !== "-" && marker !== "+") {
      throw new Error(`${where}: a hunk line that starts with neither " ", "-" nor "+": ${JSON.stringify(line)}`);
    }
    hunk.lines.push({ marker, text: line.slice(1) });
  }
  if (hunks.length === 0) throw new Error(`${where}: a diff with no hunk`);
  return { target, description, hunks };
}

/** `original` with the patch applied; throws if a hunk's lines are not in the file as they are in the hunk. */
export function applyPatch(original: string, patch: FilePatch, where: string): string {
  const source = original.split("\n");
  const out: string[] = [];
  let next = 0; // index in `source` of the first line not yet copied
  for (const hunk of patch.hunks) {
    const expected = hunk.lines.filter((line) => line.marker !== "+").map((line) => line.text);
    // "-N,0" (a pure insertion) names the line after which it goes.
    const stated = expected.length > 0 ? hunk.oldStart - 1 : hunk.oldStart;
    const start = expected.length > 0 ? nearestMatch(source, expected, stated, next) : stated;
    if (start === undefined) {
      throw new Error(
        `${where} no longer fits ${patch.target}: these lines (hunk at line ${hunk.oldStart}) are not in it:\n` +
          `${expected.map((line) => `  ${line}`).join("\n")}\n` +
          `The solution has changed since the mutant was made: make the same bug in the new solution and write the patch again (diff -u).`,
      );
    }
    if (start < next) throw new Error(`${where}: hunks overlap or are out of order at line ${hunk.oldStart}`);
    out.push(...source.slice(next, start));
    for (const line of hunk.lines) if (line.marker !== "-") out.push(line.text);
    next = start + expected.length;
  }
  out.push(...source.slice(next));
  return out.join("\n");
}

/** The index, at or after `from`, where `block` occurs in `lines` nearest to `stated`; undefined if nowhere. */
function nearestMatch(lines: readonly string[], block: readonly string[], stated: number, from: number): number | undefined {
  let best: number | undefined;
  for (let at = from; at + block.length <= lines.length; at++) {
    if (!block.every((text, i) => lines[at + i] === text)) continue;
    if (best === undefined || Math.abs(at - stated) < Math.abs(best - stated)) best = at;
  }
  return best;
}

/** Read the patch at `patchFile` and apply it to the text of the file it names. */
export function mutate(patchFile: string, courseRoot: string): { target: string; text: string; description: string } {
  const patch = parsePatch(readFileSync(patchFile, "utf8"), patchFile);
  const original = readFileSync(`${courseRoot}/${patch.target}`, "utf8");
  return { target: patch.target, text: applyPatch(original, patch, patchFile), description: patch.description };
}
