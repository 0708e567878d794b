// Where an installed package's command is, to run it with this Node (`node <file> ...`).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/** The file a package's `bin` names (their `exports` hide the bin from require.resolve). */
export function binOf(name: string, command: string): string {
  const manifest = require.resolve(`${name}/package.json`);
  const bin = (JSON.parse(readFileSync(manifest, "utf8")) as { bin: string | Record<string, string> }).bin;
  const relative = typeof bin === "string" ? bin : bin[command];
  if (relative === undefined) throw new Error(`${name} has no "${command}" command: run \`npm install\``);
  return path.join(path.dirname(manifest), relative);
}
