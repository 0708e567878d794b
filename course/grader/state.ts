// `.course/`, the git-ignored folder where the learner tools keep what they
// remember: the last grade report, which hints were shown, backups made by reset.
import { readFileSync, writeFileSync } from "node:fs";
import { statePath } from "../foundation/layout";

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
