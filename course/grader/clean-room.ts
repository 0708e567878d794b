// A clean-room grade: a learner's lab files graded in a fresh copy of the course whose tests,
// grader and manifest are the course's own (from git's HEAD, or, without git, this copy's files
// checked against the snapshot's hashes). Nothing else of the learner's copy comes along: not their
// tests, not their node_modules, not their .course/. This is the grade an instructor can trust;
// a grade run on the learner's own machine, in their own copy, is advisory.
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chapters } from "../manifest";
import { currentTestHashes, readSnapshot } from "./snapshot";
import { courseRoot, labId } from "../foundation/layout";
import { regularFilesUnder } from "../foundation/tree";

export interface CleanRoom {
  /** The fresh copy of the course, with the learner's lab files in it. */
  root: string;
  /** Where its pristine files came from, in words. */
  source: string;
  /** Files of the learner that were not copied (links, tests), and why. */
  skipped: string[];
}

/** Files and folders of a course copy that never come from the learner or the maintainer's working state. */
const NOT_COURSE = new Set(["node_modules", ".course", ".git"]);

/** The course as committed (git archive HEAD), or, without git, this copy's files. */
function pristineCourse(target: string): string {
  try {
    const archive = execFileSync("git", ["archive", "--format=tar", "HEAD"], {
      cwd: courseRoot,
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 512 * 1024 * 1024,
    });
    execFileSync("tar", ["-x", "-C", target], { input: archive, stdio: ["pipe", "ignore", "pipe"] });
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: courseRoot, encoding: "utf8" }).trim();
    return `the course as committed (git HEAD ${commit})`;
  } catch {
    for (const entry of readdirSync(courseRoot)) {
      if (!NOT_COURSE.has(entry)) cpSync(path.join(courseRoot, entry), path.join(target, entry), { recursive: true, verbatimSymlinks: true });
    }
    return "this copy of the course (no git history here); its tests were checked against course/lab-snapshot.json";
  }
}

/** Copy the learner's files of one lab: every regular file, except the tests (those stay the course's). */
function copyLabFiles(from: string, to: string, shownAs: string, skipped: string[]): void {
  if (!existsSync(from)) {
    skipped.push(`${shownAs}/: not in the learner's copy; graded as the starter`);
    return;
  }
  // The tests stay the course's, node_modules is never the learner's, and a link is never followed.
  const skip = (relative: string): boolean => relative === "tests" || path.basename(relative) === "node_modules";
  const onLink = (relative: string): void => void skipped.push(`${shownAs}/${relative}: a symbolic link; not copied`);
  for (const relative of regularFilesUnder(from, { skip, onLink })) {
    mkdirSync(path.dirname(path.join(to, relative)), { recursive: true });
    copyFileSync(path.join(from, relative), path.join(to, relative));
  }
}

/**
 * Build the clean room for the learner's course copy at `learnerRoot`. Throws an Error whose
 * message says what was wrong (not a course copy, tests that are not the course's).
 */
export function buildCleanRoom(learnerRoot: string): CleanRoom {
  if (!existsSync(path.join(learnerRoot, "labs")) || !lstatSync(path.join(learnerRoot, "labs")).isDirectory()) {
    throw new Error(`${learnerRoot} has no labs/ folder: give the learner's copy of the course (the folder with package.json and labs/)`);
  }
  const root = mkdtempSync(path.join(os.tmpdir(), "course-clean-room-"));
  const source = pristineCourse(root);
  symlinkSync(path.join(courseRoot, "node_modules"), path.join(root, "node_modules"), "dir");
  const skipped: string[] = [];
  for (const chapter of chapters) {
    const dir = labId(chapter);
    copyLabFiles(path.join(learnerRoot, "labs", dir), path.join(root, "labs", dir), `labs/${dir}`, skipped);
  }
  return { root, source, skipped };
}

/** Test files of the clean room that differ from the snapshot the course shipped ([] when all are pristine). */
export function unpristineTests(root: string): string[] {
  const snapshot = readSnapshot();
  if (!snapshot) return ["course/lab-snapshot.json is missing, so the tests cannot be checked"];
  const problems: string[] = [];
  for (const chapter of chapters) {
    const recorded = snapshot.labs[labId(chapter)]?.tests ?? {};
    const now = currentTestHashes(chapter, root);
    for (const file of new Set([...Object.keys(recorded), ...Object.keys(now)])) {
      if (recorded[file] !== now[file]) problems.push(`labs/${labId(chapter)}/${file}`);
    }
  }
  return problems;
}
