// A tiny applier for the unified diffs the grading bench keeps its mutants in
// (fixtures/mutants/NN-slug/<file>.patch: one solution file, one bug).
//
// Written here rather than calling `git apply` or `patch`, so that the bench
// needs nothing beyond Node. It applies strictly: every context and removed
// line must match the solution as it is now, at the line the hunk names, or
// it throws, saying which patch went stale and how to make it again. No fuzz,
// no offsets: a mutant that no longer fits its solution must be looked at, not
// guessed into place.
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

/** `original` with the patch applied; throws if a hunk does not match exactly where it says. */
export function applyPatch(original: string, patch: FilePatch, where: string): string {
  const source = original.split("\n");
  const out: string[] = [];
  let next = 0; // index in `source` of the first line not yet copied
  for (const hunk of patch.hunks) {
    // "-N,0" (a pure insertion) names the line after which it goes.
    const removesOrKeeps = hunk.lines.some((line) => line.marker !== "+");
    const start = removesOrKeeps ? hunk.oldStart - 1 : hunk.oldStart;
    if (start < next) throw new Error(`${where}: hunks overlap or are out of order at line ${hunk.oldStart}`);
    out.push(...source.slice(next, start));
    let at = start;
    for (const line of hunk.lines) {
      if (line.marker === "+") {
        out.push(line.text);
        continue;
      }
      if (source[at] !== line.text) {
        throw new Error(
          `${where} no longer fits ${patch.target}: line ${at + 1} is ${JSON.stringify(source[at] ?? "(end of file)")}, ` +
            `the patch expects ${JSON.stringify(line.text)}. The solution has changed since the mutant was made: ` +
            `make the same bug in the new solution and write the patch again (diff -u).`,
        );
      }
      if (line.marker === " ") out.push(line.text);
      at += 1;
    }
    next = at;
  }
  out.push(...source.slice(next));
  return out.join("\n");
}

/** Read the patch at `patchFile` and apply it to the text of the file it names. */
export function mutate(patchFile: string, courseRoot: string): { target: string; text: string; description: string } {
  const patch = parsePatch(readFileSync(patchFile, "utf8"), patchFile);
  const original = readFileSync(`${courseRoot}/${patch.target}`, "utf8");
  return { target: patch.target, text: applyPatch(original, patch, patchFile), description: patch.description };
}
