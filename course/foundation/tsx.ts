// Running TypeScript in a child Node process, through tsx's loader (the same one `npm run` uses).
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { binOf } from "./package-bin";

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** Node arguments that let a child run a `.ts` file: `[...tsNodeArgs, "script.ts"]`. */
export const tsNodeArgs: readonly string[] = ["--import", tsxLoader];

/**
 * The `tsx` command itself, as the course's npm scripts run it: `node <this> script.ts`. It starts
 * the script in a child of its own and relays signals to it, as `npm run` does.
 */
export function tsxCommand(): string {
  return binOf("tsx", "tsx");
}
