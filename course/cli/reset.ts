// npm run reset -- <lab> [--yes]: put a lab's starter files back as the course
// shipped them (and any test file that was changed). It asks first; your
// current files are copied to .course/backup/ before anything is replaced.
import { createInterface } from "node:readline/promises";
import { chapterArg, parseCommandLine, usageError, USAGE_ERROR } from "./lib/args";
import { applyRestore, backUp, planRestore, unsafeTargets } from "./lib/restore";
import { readSnapshot, SNAPSHOT_FILE } from "../grader/snapshot";
import { displayPath, labFolder, labId } from "../foundation/layout";

const USAGE = `Usage: npm run reset -- <lab> [--yes]

Restores the starter files of a lab (and its tests, if you changed them).
Your current files are copied to .course/backup/ first.
  --yes   do not ask (needed when there is no terminal to ask on)`;

/** The line the learner typed, or undefined when they pressed Ctrl-C or Ctrl-D instead. */
function ask(question: string): Promise<string | undefined> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  return new Promise((resolve) => {
    let answered = false;
    prompt.once("SIGINT", () => prompt.close()); // Ctrl-C
    prompt.once("close", () => {
      if (!answered) resolve(undefined); // Ctrl-D, or Ctrl-C above
    });
    prompt.question(question).then(
      (line) => {
        answered = true;
        prompt.close();
        resolve(line);
      },
      () => resolve(undefined), // the prompt was closed while it asked
    );
  });
}

const { values, positionals } = parseCommandLine({ yes: { type: "boolean", short: "y" } }, USAGE);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [labName, ...extra] = positionals;
if (labName === undefined) usageError("Which lab? Name it by number or folder: npm run reset -- 00", USAGE);
if (extra.length > 0) usageError(`Reset one lab at a time, not: ${positionals.join(" ")}`, USAGE);
const chapter = chapterArg(labName);
const folder = labFolder(chapter);

let snapshot;
try {
  snapshot = readSnapshot();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
if (!snapshot?.labs[labId(chapter)]) {
  console.error(
    `${SNAPSHOT_FILE} has no starter files for ${labId(chapter)}, so there is nothing to restore from; \`git checkout ${folder}\` restores the lab from git.`,
  );
  process.exit(1);
}

const plan = planRestore(chapter, snapshot);
for (const problem of plan.unrestorable) console.error(`Cannot restore ${folder}/${problem}`);
if (plan.steps.length === 0) {
  console.log(`${folder} is already as the course shipped it: nothing to reset.`);
  process.exit(plan.unrestorable.length === 0 ? 0 : 1);
}

const unsafe = unsafeTargets(chapter, plan);
if (unsafe.length > 0) {
  for (const problem of unsafe) console.error(problem);
  console.error("Nothing was changed.");
  process.exit(1);
}

const replaced = plan.steps.filter((step) => step.content !== undefined).map((step) => `${folder}/${step.file}`);
const removed = plan.steps.filter((step) => step.content === undefined).map((step) => `${folder}/${step.file}`);
const what = [
  replaced.length > 0 ? `This replaces your work in ${replaced.join(", ")}` : "",
  removed.length > 0 ? `${replaced.length > 0 ? " and removes" : "This removes"} the test file(s) you added: ${removed.join(", ")}` : "",
].join("");

if (!values.yes) {
  if (!process.stdin.isTTY) {
    console.error(`${what}. There is no terminal to ask on, so nothing was changed; run \`npm run reset -- ${chapter.number} --yes\` to go ahead.`);
    process.exit(USAGE_ERROR);
  }
  const answer = await ask(`${what}. Your files are backed up first.\nType 'yes' to continue: `);
  if (answer === undefined) {
    // Ctrl-C or Ctrl-D: a way to say no.
    console.log("\nNothing changed.");
    process.exit(1);
  }
  if (answer.trim().toLowerCase() !== "yes") {
    console.log("Nothing changed.");
    process.exit(1);
  }
}

const backup = backUp(chapter, plan);
applyRestore(chapter, plan);
for (const file of replaced) console.log(`Restored ${file}`);
for (const file of removed) console.log(`Removed ${file}`);
console.log(`Your previous files are in ${displayPath(backup)}/`);
process.exit(plan.unrestorable.length === 0 ? 0 : 1);
