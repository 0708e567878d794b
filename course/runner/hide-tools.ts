// A learner's machine, simulated: optional tools (python3, strace, faketime) that are not there.
//
// COURSE_HIDE_TOOLS=python3,strace,faketime makes the runner start the kernel with a PATH that
// holds a single folder of symlinks to every command on the real PATH except those. Each name
// hides every command that starts with it (python3 also hides python3.11 and python3-config), the
// way a machine without the package would look. The notebooks' `hasCommand` then says "missing",
// and their fallbacks run.
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ownedPrefix } from "./stale-folders";

export const HIDE_TOOLS_VARIABLE = "COURSE_HIDE_TOOLS";

/** The names listed in COURSE_HIDE_TOOLS (empty when unset). */
export function toolsToHide(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[HIDE_TOOLS_VARIABLE] ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
}

/**
 * Fill `shadowBin` (an empty folder) with symlinks to every command on `searchPath` except the
 * hidden ones; the first folder on the path wins, as in a shell. Returns the PATH to use.
 */
export function shadowPath(hidden: readonly string[], shadowBin: string, searchPath = process.env.PATH ?? ""): string {
  const seen = new Set<string>();
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === "") continue;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // a folder on PATH that does not exist
    }
    for (const name of names) {
      if (seen.has(name) || hidden.some((tool) => name.startsWith(tool))) continue;
      seen.add(name);
      symlinkSync(path.join(dir, name), path.join(shadowBin, name));
    }
  }
  return shadowBin;
}

/** A PATH without the hidden tools, in a folder of this runner's own; `remove` deletes it. */
export interface ShadowPath {
  path: string;
  remove: () => void;
}

/**
 * Make one shadow PATH for a whole run of notebooks, in the temp folder under this runner's
 * prefix (so a killed runner's copy is removed by the next run). Every kernel of the run can
 * share it: on a full PATH it is a few thousand symlinks, which took about 0.4 s of CPU per kernel
 * when each kernel made its own.
 */
export function makeShadowPath(hidden: readonly string[], searchPath = process.env.PATH ?? ""): ShadowPath {
  const folder = mkdtempSync(path.join(os.tmpdir(), ownedPrefix("tools")));
  const remove = () => rmSync(folder, { recursive: true, force: true });
  try {
    return { path: shadowPath(hidden, folder, searchPath), remove };
  } catch (err) {
    remove();
    throw err;
  }
}
