// Where a lab's files are, as paths relative to the course root.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { courseRoot } from "../impl";
import { labDir, type Chapter } from "../manifest";

/** `labs/00-welcome`: the learner's copy of the lab. */
export function labFolder(chapter: Chapter): string {
  return `labs/${labDir(chapter)}`;
}

/** `labs/00-welcome/tests`: the lab's tests (the same tests grade labs/ and solutions/). */
export function testsFolder(chapter: Chapter): string {
  return `${labFolder(chapter)}/tests`;
}

/** Every file under `folder` (relative to the course root), relative to `folder`, sorted; [] when it does not exist. */
export function filesUnder(folder: string): string[] {
  const absolute = path.join(courseRoot, folder);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(absolute, path.join(entry.parentPath, entry.name)))
    .sort();
}
