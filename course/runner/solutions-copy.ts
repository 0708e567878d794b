// A temporary copy of the course whose labs/ hold the model solutions.
//
// Notebooks import the learner's modules (`./labs/...`), never `solutions/`. To see what a
// notebook shows once the labs are finished, the runner runs it in a copy of the course where
// labs/ holds the solutions' files (the lab's tests and any file without a twin stay), with
// node_modules linked rather than copied. The real course is never touched.
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ownedPrefix } from "./stale-folders";

/** Never copied: installed packages (linked instead), git's store, the runner's own outputs. */
const SKIPPED = new Set(["node_modules", ".git", ".course"]);

export interface CourseCopy {
  root: string;
  remove: () => void;
}

export function copyWithSolutionsInLabs(courseRoot: string): CourseCopy {
  const solutions = path.join(courseRoot, "solutions");
  if (!existsSync(solutions)) {
    throw new Error("this copy of the course has no solutions/ folder (a learner's handout), so there is nothing to run the notebooks against");
  }
  const root = mkdtempSync(path.join(os.tmpdir(), ownedPrefix("with-solutions")));
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    cpSync(courseRoot, root, {
      recursive: true,
      filter: (source) => !SKIPPED.has(path.relative(courseRoot, source).split(path.sep)[0]!),
    });
    cpSync(solutions, path.join(root, "labs"), { recursive: true, force: true });
    symlinkSync(path.join(courseRoot, "node_modules"), path.join(root, "node_modules"), "dir");
  } catch (err) {
    remove();
    throw err;
  }
  return { root, remove };
}
