// Running TypeScript in a child Node process, through tsx's loader (the same one `npm run` uses).
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** Node arguments that let a child run a `.ts` file: `[...tsNodeArgs, "script.ts"]`. */
export const tsNodeArgs: readonly string[] = ["--import", tsxLoader];
