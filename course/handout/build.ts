// Write a learners' copy of the course into a new folder (see contents.ts for what goes in).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isLeftOut, learnerPackageJson, learnerReadme, withoutOutputs } from "./contents";

/** Never copied, tracked or not: installs, local state, learners' copies, editor leftovers. */
const NEVER = /^(node_modules|\.git|\.course|my-notebooks)(\/|$)|(^|\/)\.ipynb_checkpoints(\/|$)/;

/** The course's files: what git tracks (and untracked files it does not ignore), else a walk of the folder. */
function courseFiles(root: string): string[] {
  const git = spawnSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" });
  if (git.status === 0 && existsSync(path.join(root, ".git"))) {
    return git.stdout.split("\0").filter((f) => f !== "" && existsSync(path.join(root, f)));
  }
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (NEVER.test(child)) continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  walk("");
  return files;
}

export interface Handout {
  dir: string;
  copied: number;
  leftOut: string[];
}

export class HandoutError extends Error {}

/** Write the copy into `dir`, which must be new or empty and outside the course. */
export function buildHandout(root: string, dir: string): Handout {
  const target = path.resolve(dir);
  const inside = path.relative(root, target);
  if (inside === "" || (!inside.startsWith("..") && !path.isAbsolute(inside))) {
    throw new HandoutError(`${target} is inside the course folder; choose a folder outside it, like ../handout`);
  }
  if (existsSync(target)) {
    if (!lstatSync(target).isDirectory()) throw new HandoutError(`${target} exists and is not a folder; choose a new folder`);
    if (readdirSync(target).length > 0) throw new HandoutError(`${target} is not empty; choose a new or empty folder (nothing was written)`);
  }
  const files = courseFiles(root).filter((f) => !NEVER.test(f));
  const leftOut = files.filter(isLeftOut);
  const kept = files.filter((f) => !isLeftOut(f));
  mkdirSync(target, { recursive: true });
  for (const file of kept) {
    const from = path.join(root, file);
    const to = path.join(target, file);
    mkdirSync(path.dirname(to), { recursive: true });
    if (file === "package.json") writeFileSync(to, learnerPackageJson(readFileSync(from, "utf8")));
    else if (file === "README.md") writeFileSync(to, learnerReadme(readFileSync(from, "utf8")));
    else if (file.endsWith(".ipynb")) writeFileSync(to, withoutOutputs(readFileSync(from, "utf8")));
    else copyFileSync(from, to);
  }
  return { dir: target, copied: kept.length, leftOut };
}
