// What `npm run reset` puts back: the starter files recorded in the snapshot,
// and test files the learner changed (their original text comes from git, the
// snapshot keeps only their hashes, and is checked against them).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Chapter } from "../../manifest";
import { modifiedTests, sha256, type Snapshot } from "../../grader/snapshot";
import { courseRoot, labFolder, labId, statePath } from "../../foundation/layout";

export interface RestoreStep {
  /** Relative to labs/<dir>/. */
  file: string;
  /** The text to write; undefined means remove the file (a test file the learner added). */
  content: string | undefined;
}

export interface RestorePlan {
  steps: RestoreStep[];
  /** Changed test files whose original could not be found, with the reason. */
  unrestorable: string[];
}

function absolute(chapter: Chapter, file: string): string {
  return path.join(courseRoot, labFolder(chapter), file);
}

/** The course's version of a test file from git's HEAD, if it is the one the snapshot recorded. */
function originalTest(chapter: Chapter, file: string, hash: string): string | { problem: string } {
  const gitPath = `${labFolder(chapter)}/${file}`;
  let content: Buffer;
  try {
    content = execFileSync("git", ["show", `HEAD:${gitPath}`], { cwd: courseRoot, stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return { problem: `${file}: git has no committed copy of it (is this a git clone of the course?); download the course again to get it back` };
  }
  if (sha256(content) !== hash) {
    return { problem: `${file}: the committed copy is not the course's either (was a changed test committed?); take it from the course's repository` };
  }
  return content.toString("utf8");
}

/** Which files differ from the course's starter and tests, and what to put in their place. */
export function planRestore(chapter: Chapter, snapshot: Snapshot): RestorePlan {
  const recorded = snapshot.labs[labId(chapter)];
  const plan: RestorePlan = { steps: [], unrestorable: [] };
  if (!recorded) return plan;
  for (const [file, starter] of Object.entries(recorded.starters)) {
    const onDisk = absolute(chapter, file);
    const current = existsSync(onDisk) ? readFileSync(onDisk, "utf8") : undefined;
    if (current !== starter) plan.steps.push({ file, content: starter });
  }
  for (const { file, change } of modifiedTests(chapter, snapshot)) {
    if (change === "added") {
      plan.steps.push({ file, content: undefined });
      continue;
    }
    const original = originalTest(chapter, file, recorded.tests[file] ?? "");
    if (typeof original === "string") plan.steps.push({ file, content: original });
    else plan.unrestorable.push(original.problem);
  }
  return plan;
}

/** Is `inner` the folder `outer` or inside it? */
function inside(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/**
 * Files of the plan that reset must not touch: a symbolic link (a write would go to whatever it
 * points at, maybe outside the course), or a path through a linked folder that leads out of the
 * lab. Each entry says which, and what to do.
 */
export function unsafeTargets(chapter: Chapter, plan: RestorePlan): string[] {
  const lab = path.join(courseRoot, labFolder(chapter));
  let realLab: string;
  try {
    realLab = realpathSync(lab);
  } catch {
    return []; // no lab folder yet: reset creates it, nothing to follow
  }
  if (lstatSync(lab).isSymbolicLink()) {
    return [`${labFolder(chapter)} is a symbolic link (to ${realLab}); reset does not write through links. Replace it with a real folder, then reset again.`];
  }
  const problems: string[] = [];
  for (const { file } of plan.steps) {
    const target = absolute(chapter, file);
    const shown = `${labFolder(chapter)}/${file}`;
    let link = false;
    try {
      link = lstatSync(target).isSymbolicLink();
    } catch {
      // Missing: only its folder matters.
    }
    if (link) {
      let to = "a missing file";
      try {
        to = realpathSync(target);
      } catch {
        // A dangling link.
      }
      problems.push(
        `${shown} is a symbolic link (to ${to}); reset does not follow links, so it would not change what the link points at. Delete the link (\`rm ${shown}\`), then reset again.`,
      );
      continue;
    }
    // A folder on the way may be a link out of the lab.
    let folder = path.dirname(target);
    while (!existsSync(folder)) folder = path.dirname(folder);
    const realFolder = realpathSync(folder);
    if (!inside(realFolder, realLab)) {
      problems.push(
        `${shown} is reached through a symbolic link that leads out of the lab (to ${realFolder}); reset does not follow it. Replace the linked folder with a real one, then reset again.`,
      );
    }
  }
  return problems;
}

/** Copy the files the plan will replace or remove into .course/backup/<lab>-<timestamp>/; returns that folder. */
export function backUp(chapter: Chapter, plan: RestorePlan): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const folder = statePath("backup", `${labId(chapter)}-${stamp}`);
  for (const { file } of plan.steps) {
    const source = absolute(chapter, file);
    if (!existsSync(source)) continue;
    const target = path.join(folder, file);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(source, target);
  }
  mkdirSync(folder, { recursive: true });
  return folder;
}

export function applyRestore(chapter: Chapter, plan: RestorePlan): void {
  for (const { file, content } of plan.steps) {
    const target = absolute(chapter, file);
    if (content === undefined) {
      rmSync(target, { force: true });
    } else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
  }
}
