// Notebooks and labs never reach into solutions/: learners may not have it (an instructor's
// handout leaves it out), and a notebook that ran the model answer would show it before the
// learner wrote theirs. npm test and a learners' `npm run check` both run this.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** An import or path of a solutions/ file, in code, a notebook cell or notebook prose. */
const SOLUTIONS_REFERENCE = /["'`](\.{1,2}\/)*solutions\//;

/** Text files under `dir` (relative to `root`) with these endings, node_modules skipped. */
function textFiles(root: string, dir: string, endings: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    const full = path.join(root, relative);
    if (!existsSync(full)) return;
    for (const entry of readdirSync(full, { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory() && entry.name !== "node_modules") walk(child);
      else if (entry.isFile() && endings.some((e) => entry.name.endsWith(e))) found.push(child);
    }
  };
  walk(dir);
  return found;
}

/** "file:line refers to solutions/: …" for every reference in labs/ (code) and in `notebookDirs`. */
export function solutionReferences(root: string, notebookDirs: readonly string[] = ["notebooks"]): string[] {
  const problems: string[] = [];
  const files = [...textFiles(root, "labs", [".ts"]), ...notebookDirs.flatMap((dir) => textFiles(root, dir, [".ipynb"]))];
  for (const file of files) {
    readFileSync(path.join(root, file), "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (SOLUTIONS_REFERENCE.test(line)) problems.push(`${file}:${i + 1} refers to solutions/: ${line.trim().slice(0, 100)}`);
      });
  }
  return problems;
}
