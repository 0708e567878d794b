// Progressive hints, remembered per lab in .course/hints.json, so that
// `npm run hint -- 00` gives the next one each time it is asked.
import { labDir, type Chapter } from "../manifest";
import { readState, writeState } from "./state";

const HINTS_FILE = "hints.json";

/** Lab folder name → the numbers (1-based) of the hints already shown. */
type HintsSeen = Record<string, number[]>;

/** The hints of this lab already shown, by number. */
export function hintsSeen(chapter: Chapter): Set<number> {
  const seen = readState<HintsSeen>(HINTS_FILE, {})[labDir(chapter)];
  return new Set(Array.isArray(seen) ? seen.filter((n) => Number.isInteger(n)) : []);
}

export function markHintSeen(chapter: Chapter, n: number): void {
  const all = readState<HintsSeen>(HINTS_FILE, {});
  all[labDir(chapter)] = [...hintsSeen(chapter).add(n)].sort((a, b) => a - b);
  writeState(HINTS_FILE, all);
}

export interface HintChoice {
  /** 1-based number of the hint to show. */
  n: number;
  total: number;
  text: string;
}

/** The first hint not yet shown, or undefined when every hint has been shown (or there are none). */
export function nextHint(chapter: Chapter): HintChoice | undefined {
  const hints = chapter.lab.hints;
  const seen = hintsSeen(chapter);
  const index = hints.findIndex((_, i) => !seen.has(i + 1));
  const text = hints[index];
  return text === undefined ? undefined : { n: index + 1, total: hints.length, text };
}

/** Wrap a paragraph to `width` columns, each line starting with `prefix`. */
export function wrap(text: string, width: number, prefix = ""): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(prefix + line);
  return lines.join("\n");
}

/** A hint as printed: "Hint 2 of 4 for 00-welcome", the text, and how to get the next one (call after markHintSeen). */
export function formatHint(chapter: Chapter, choice: HintChoice, width = 88): string {
  const lines = [`Hint ${choice.n} of ${choice.total} for ${labDir(chapter)} (${chapter.title}):`, "", wrap(choice.text, width, "  "), ""];
  const following = nextHint(chapter);
  if (following) {
    lines.push(`Still stuck? \`npm run hint -- ${chapter.number}\` shows hint ${following.n} of ${following.total}.`);
  } else {
    lines.push(`You have now seen every hint. See any again with \`npm run hint -- ${chapter.number} <n>\` (1-${choice.total}).`);
  }
  return lines.join("\n");
}
