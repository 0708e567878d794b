// The README's chapter table is generated from the manifest, so the two never
// disagree. `npm test` checks it here; `npm run course:readme` (course/cli/readme.ts) rewrites it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { chapters } from "../manifest";
import { courseRoot, labId, notebookPath } from "../foundation/layout";

const START = "<!-- chapters:start (generated from course/manifest.ts by `npm run course:readme`) -->";
const END = "<!-- chapters:end -->";
/** Absolute path of the course README. */
export const README = path.join(courseRoot, "README.md");

/** Text for a Markdown table cell: "<pid>" must not read as an HTML tag. */
const cell = (text: string): string => text.replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "\\|");

export function chapterTable(): string {
  const rows = chapters.map((c) => {
    const points = c.lab.tasks.reduce((sum, t) => sum + t.points, 0);
    return `| ${c.number} | ${cell(c.title)} | ${cell(c.summary)} | [notebook](${notebookPath(c)}) | [\`labs/${labId(c)}\`](labs/${labId(c)}) (${c.lab.tasks.length} tasks, ${points} points) |`;
  });
  return ["| # | chapter | what you do | read | lab |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}

/** The README text with its chapter table regenerated from the manifest. */
export function withTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the chapter table markers:\n${START}\n${END}`);
  return `${readme.slice(0, start + START.length)}\n${chapterTable()}\n${readme.slice(end)}`;
}

export function readmeProblems(): string[] {
  const readme = readFileSync(README, "utf8");
  return withTable(readme) === readme ? [] : ["README.md: the chapter table is out of date; run `npm run course:readme`"];
}
