// Terminal output: colours only on a terminal (and never with NO_COLOR), and a
// few shapes the learner tools share: marks, a progress bar, aligned columns, wrapped paragraphs.
import { styleText } from "node:util";
import { stripAnsi } from "../../foundation/text";

type Colour = "green" | "red" | "yellow" | "dim" | "bold" | "cyan";

export interface Style {
  paint(colour: Colour, text: string): string;
  pass: string;
  fail: string;
  warn: string;
}

export function styleFor(stream: NodeJS.WriteStream): Style {
  const colours = stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  const paint = (colour: Colour, text: string): string => (colours ? styleText(colour, text) : text);
  return { paint, pass: paint("green", "✓"), fail: paint("red", "✗"), warn: paint("yellow", "!") };
}

/** `[########------------]` for done out of total. */
export function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** Rows of cells, the first column left-aligned and the others right-aligned, padded to line up. */
export function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = " ".repeat((widths[i] ?? 0) - visibleLength(cell));
        return i === 0 ? cell + pad : pad + cell;
      })
      .join("  ")
      .trimEnd(),
  );
}

// Colour codes take no room on screen.
export function visibleLength(text: string): number {
  return stripAnsi(text).length;
}

/** Plain text cut to `width` columns, ending in "…" when it was longer (for one-line summaries only). */
export function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * One line of plain text folded to `width` columns without losing a character:
 * broken at the last space that fits (or mid-word when none does), every
 * continuation indented like the line plus two spaces.
 */
export function fold(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const lead = " ".repeat(Math.min((/^ */.exec(line)?.[0].length ?? 0) + 2, Math.floor(width / 2)));
  const out: string[] = [];
  let rest = line;
  let prefix = "";
  while (prefix.length + rest.length > width) {
    const room = width - prefix.length;
    let at = rest.lastIndexOf(" ", room);
    if (at <= 0 || rest.slice(0, at).trim() === "") at = room;
    out.push(prefix + rest.slice(0, at).trimEnd());
    rest = rest.slice(at).replace(/^ /, "");
    prefix = lead;
  }
  out.push(prefix + rest);
  return out;
}

/** Indent every line of a block of text. */
export function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line) => prefix + line)
    .join("\n");
}

/** Columns to fit output to: the terminal's width within reason, 80 when unknown (a pipe, a file). */
export function textWidth(stream: NodeJS.WriteStream = process.stdout): number {
  return Math.max(40, Math.min(stream.columns || 80, 100));
}

/** Wrap a paragraph to `width` columns, each line starting with `prefix`; a word longer than a line is broken. */
export function wrap(text: string, width: number, prefix = ""): string {
  const room = Math.max(10, width - prefix.length);
  const lines: string[] = [];
  let line = "";
  for (let word of text.split(/\s+/).filter((w) => w !== "")) {
    while (word.length > room) {
      if (line !== "") lines.push(line);
      lines.push(word.slice(0, room));
      word = word.slice(room);
      line = "";
    }
    if (line !== "" && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines.map((l) => prefix + l).join("\n");
}
