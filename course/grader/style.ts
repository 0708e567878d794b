// Terminal output: colours only on a terminal (and never with NO_COLOR), and a
// few shapes the learner tools share: marks, a progress bar, aligned columns.
import { styleText } from "node:util";

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
function visibleLength(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, "").length;
}

/** Indent every line of a block of text. */
export function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line) => prefix + line)
    .join("\n");
}

/** Columns to wrap prose at: the terminal's width within reason, 88 when unknown (a pipe). */
export function textWidth(stream: NodeJS.WriteStream = process.stdout): number {
  return Math.max(40, Math.min(stream.columns || 88, 100));
}
