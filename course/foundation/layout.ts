// Where things are in the course: its root, each lab's id and folders, the notebooks, the
// learner tools' state folder, and which implementation (labs/ or solutions/) the tests run.
// Everything else asks here instead of joining path pieces itself.
//
// Names say what they return: an `...Id` is a name ("00-welcome"), a `...Folder` or `...Path`
// is a path relative to the course root ("labs/00-welcome"), and absolute paths come from
// `path.join(courseRoot, ...)` or say "absolute".
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { regularFilesUnder } from "./tree";

/** The course root: the folder that holds package.json. */
export const courseRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** What the layout needs to know of a chapter (a manifest `Chapter` is one). */
export interface ChapterName {
  number: string;
  slug: string;
}

/** `00-welcome`: the lab's id, also the name of its folder under labs/ and solutions/. */
export function labId(chapter: ChapterName): string {
  return `${chapter.number}-${chapter.slug}`;
}

/** `labs/00-welcome`: the learner's copy of the lab. */
export function labFolder(chapter: ChapterName): string {
  return `labs/${labId(chapter)}`;
}

/** `solutions/00-welcome`: the model answers of the lab. */
export function solutionFolder(chapter: ChapterName): string {
  return `solutions/${labId(chapter)}`;
}

/** `labs/00-welcome/tests`: the lab's tests (the same tests grade labs/ and solutions/). */
export function testsFolder(chapter: ChapterName): string {
  return `${labFolder(chapter)}/tests`;
}

/** `notebooks/00-welcome.ipynb`: the chapter's notebook. */
export function notebookPath(chapter: ChapterName): string {
  return `notebooks/${labId(chapter)}.ipynb`;
}

/** Every file under `folder` (relative to the course root), relative to `folder`, sorted; [] when it does not exist. Links are not followed. */
export function filesUnder(folder: string): string[] {
  const absolute = path.join(courseRoot, folder);
  if (!existsSync(absolute)) return [];
  return regularFilesUnder(absolute).sort();
}

/** The lab's test files (`*.test.ts`), relative to the course root. */
export function labTestFiles(chapter: ChapterName): string[] {
  const folder = testsFolder(chapter);
  return filesUnder(folder)
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => path.join(folder, file));
}

/** `.course/`: the git-ignored folder where the learner tools keep what they remember. */
export const STATE_DIR = ".course";

/** Absolute path of a file or folder in `.course/`; the folder is created. */
export function statePath(...parts: string[]): string {
  const dir = path.join(courseRoot, STATE_DIR);
  mkdirSync(dir, { recursive: true });
  return path.join(dir, ...parts);
}

/** A path as the learner should read it: relative to the course root when inside it. */
export function displayPath(absolute: string): string {
  const relative = path.relative(courseRoot, absolute);
  return relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative;
}

/** Which implementation the lab tests exercise: the learner's `labs/` or the maintainers' `solutions/`. */
export type Impl = "labs" | "solutions";

/** The implementation COURSE_IMPL selects (labs/ when unset): one environment variable switches every `@impl/...` import. */
export function currentImpl(): Impl {
  const value = process.env.COURSE_IMPL ?? "labs";
  if (value !== "labs" && value !== "solutions") {
    throw new Error(`COURSE_IMPL must be "labs" or "solutions", not "${value}"`);
  }
  return value;
}

/** Absolute path of labs/ or solutions/, whichever COURSE_IMPL selects. */
export function implRoot(impl: Impl = currentImpl()): string {
  return path.join(courseRoot, impl);
}
