// Running TypeScript in a child Node process: with the course's own loader (tests, the grader),
// or with the tsx command itself (as the course's npm scripts run it).
import { binOf } from "./package-bin";

const courseLoader = new URL("./ts-loader/register.mjs", import.meta.url).href;

/**
 * Node arguments that let a child run a `.ts` file: `[...tsNodeArgs, "script.ts"]`. They load the
 * course's loader (ts-loader/), not tsx's: the same transform, for half of tsx's start-up CPU,
 * which matters to the tests and the grader, as they start hundreds of such processes.
 */
export const tsNodeArgs: readonly string[] = ["--import", courseLoader];

/**
 * The folder where the course's loader keeps the JavaScript it made, for the next process that
 * loads the same file (unset: no cache). Whoever sets it removes the folder.
 */
export const TS_CACHE_VARIABLE = "COURSE_TS_CACHE";

/**
 * The `tsx` command itself, as the course's npm scripts run it: `node <this> script.ts`. It starts
 * the script in a child of its own and relays signals to it, as `npm run` does.
 */
export function tsxCommand(): string {
  return binOf("tsx", "tsx");
}
