// Command-line plumbing shared by the learner tools (grade, watch, hint, reset):
// flags, lab names, and usage errors that say what was wrong and exit 2.
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { findChapter, findTask, type Chapter, type Task } from "../../manifest";
import { type Impl } from "../../foundation/layout";

export const USAGE_ERROR = 2;

/** Print what was wrong and how to use the command, then exit 2. */
export function usageError(message: string, usage: string): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(USAGE_ERROR);
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parse flags and positionals; an unknown flag or a missing value is a usage error. */
export function parseCommandLine<T extends Options>(options: T, usage: string) {
  try {
    return parseArgs({ args: process.argv.slice(2), options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (err) {
    usageError((err as Error).message, usage);
  }
}

/** The chapter a learner named ("00", "welcome", "00-welcome"); an unknown name lists the labs and exits 2. */
export function chapterArg(name: string): Chapter {
  try {
    return findChapter(name);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(USAGE_ERROR);
  }
}

/** A task of the lab, by id or number; an unknown one lists the lab's tasks and exits 2. */
export function taskArg(chapter: Chapter, name: string): Task {
  try {
    return findTask(chapter, name);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(USAGE_ERROR);
  }
}

export function implArg(value: string | undefined, usage: string): Impl {
  if (value === undefined || value === "labs") return "labs";
  if (value === "solutions") return "solutions";
  usageError(`--impl must be "labs" (your work) or "solutions" (the model answers), not "${value}"`, usage);
}

/** A positive number of seconds, as milliseconds. */
export function secondsArg(flag: string, value: string | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) usageError(`${flag} takes a number of seconds, such as 300, not "${value}"`, usage);
  return seconds * 1000;
}

/** Resolve a path the learner typed: relative to the folder they ran npm in (npm run moves to the course root). */
export function userPath(typed: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), typed);
}
