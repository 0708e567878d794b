// `.course/`, the git-ignored folder where the learner tools keep what they
// remember: the last grade report, which hints were shown, backups made by reset.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { courseRoot } from "../impl";

export const STATE_DIR = ".course";

/** Absolute path of a file or folder in `.course/`; the folder is created. */
export function statePath(...parts: string[]): string {
  const dir = path.join(courseRoot, STATE_DIR);
  mkdirSync(dir, { recursive: true });
  return path.join(dir, ...parts);
}

/** A JSON file in `.course/`, or `fallback` when it is missing or unreadable (it is only a memory aid). */
export function readState<T>(name: string, fallback: T): T {
  try {
    return JSON.parse(readFileSync(statePath(name), "utf8")) as T;
  } catch {
    return fallback;
  }
}

export function writeState(name: string, value: unknown): void {
  writeFileSync(statePath(name), `${JSON.stringify(value, null, 2)}\n`);
}

/** A path as the learner should read it: relative to the course root when inside it. */
export function displayPath(absolute: string): string {
  const relative = path.relative(courseRoot, absolute);
  return relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative;
}

/** Resolve a path the learner typed: relative to the folder they ran npm in (npm run moves to the course root). */
export function userPath(typed: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), typed);
}
