// Running the course's TypeScript in a child Node process, as its npm scripts do:
// `node --import ./course/foundation/ts-loader/register.mjs course/cli/grade.ts` (package.json).
//
// The loader (ts-loader/) strips the types with esbuild, as tsx does, for about half of tsx's
// start-up CPU on Node 20; npm test starts several hundred such processes. Learners run their own
// programs with tsx (`node --import tsx program.ts`), which the notebooks show.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { courseRoot } from "./layout";

/** The loader, relative to a course's root (as package.json's scripts name it). */
export const LOADER_PATH = "course/foundation/ts-loader/register.mjs";

/** Node arguments that let a child run a `.ts` file of the course at `root`: `[...tsNodeArgsOf(root), "script.ts"]`. */
export function tsNodeArgsOf(root: string): string[] {
  return ["--import", pathToFileURL(path.join(root, LOADER_PATH)).href];
}

/** Node arguments that let a child run a `.ts` file: `[...tsNodeArgs, "script.ts"]`. */
export const tsNodeArgs: readonly string[] = tsNodeArgsOf(courseRoot);

/**
 * The folder where the loader keeps the JavaScript it made, for the next process that loads the
 * same file (unset: no cache). Whoever sets it removes the folder.
 */
export const TS_CACHE_VARIABLE = "COURSE_TS_CACHE";
