// The child side of appendTogether(): write each argument as a line to fd 3.
// fd 3 is the parent's open file description, handed over by spawn(): the
// child never opens the file itself, so both share one offset.
import { writeSync } from "node:fs";

/** The fd the parent puts the shared log at. */
export const SHARED_FD = 3;

export function writeLines(fd: number, lines: string[]): void {
  for (const line of lines) writeSync(fd, `${line}\n`);
}

// Run as a script: `child-writer.ts line...`.
if (process.argv[1]?.endsWith("child-writer.ts")) {
  writeLines(SHARED_FD, process.argv.slice(2));
}
