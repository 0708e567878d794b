// npm run hint -- <lab> [task] [n]: progressive hints from the course manifest,
// per task, a nudge first and nearly the answer last. Without n, the next hint
// of that task you have not seen yet (remembered in .course/hints.json); with
// n, hint n. Without a task, the task of the first failure in your last grade.
import { type Chapter, type Task } from "../manifest";
import { chapterArg, parseCommandLine, taskArg, usageError } from "./lib/args";
import { formatHint, hintCommand, hintNumber, hintsSeen, markHintSeen, nextHint } from "./lib/hints";
import { lastGrade } from "../grader/lab-status";
import { textWidth } from "./lib/style";
import { labId } from "../foundation/layout";

const USAGE = `Usage: npm run hint -- <lab> [task] [n]

  npm run hint -- 04            the next hint for the task you are stuck on
                                (the first failing one in your last grade)
  npm run hint -- 04 lines      the next hint for task "lines" of lab 04
  npm run hint -- 04 2          the same, naming the task by its number
  npm run hint -- 04 lines 3    hint 3 of that task (again)`;

const { values, positionals } = parseCommandLine({}, USAGE);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [labName, taskName, numberText, ...extra] = positionals;
if (labName === undefined) usageError("Which lab? Name it by number or folder: npm run hint -- 00", USAGE);
if (extra.length > 0) usageError(`Too many arguments: ${extra.join(" ")}`, USAGE);

const chapter = chapterArg(labName);
const width = textWidth();

/** The task the learner is stuck on: the first failing one of the last grade, else the first with hints left. */
function stuckTask(chapter: Chapter): { task: Task; why: string } | undefined {
  const tasks = chapter.lab.tasks;
  const failing = tasks.find((task) => task.id === lastGrade(chapter)?.firstFailingTask);
  if (failing) return { task: failing, why: "the first task that failed in your last grade" };
  const fresh = tasks.find((task) => nextHint(chapter, task) !== undefined);
  return fresh ? { task: fresh, why: "the first task with hints you have not seen (grade the lab to aim at the failing one)" } : undefined;
}

let task: Task;
if (taskName === undefined) {
  const stuck = stuckTask(chapter);
  if (!stuck) {
    console.log(`You have seen every hint of lab ${labId(chapter)}. See one again with \`npm run hint -- ${chapter.number} <task> <n>\`.`);
    process.exit(0);
  }
  task = stuck.task;
  console.log(`Task ${task.id}: ${stuck.why}.\n`);
} else {
  task = taskArg(chapter, taskName);
}

if (task.hints.length === 0) {
  console.log(`Task ${task.id} of lab ${labId(chapter)} has no hints yet.`);
  process.exit(0);
}

if (numberText !== undefined) {
  const n = Number(numberText);
  const choice = Number.isInteger(n) ? hintNumber(task, n) : undefined;
  if (!choice) usageError(`Task ${task.id} of lab ${labId(chapter)} has hints 1 to ${task.hints.length}; "${numberText}" is not one of them.`, USAGE);
  markHintSeen(chapter, task, n);
  console.log(formatHint(chapter, choice, width));
  process.exit(0);
}

const next = nextHint(chapter, task);
if (next === undefined) {
  console.log(
    `You have seen all ${task.hints.length} hints for task ${task.id} of ${labId(chapter)}. See one again with \`${hintCommand(chapter, task)} <n>\` (1-${task.hints.length}).`,
  );
  process.exit(0);
}
markHintSeen(chapter, task, next.n);
console.log(formatHint(chapter, next, width));
if (hintsSeen(chapter, task).size === 1 && task.hints.length > 1) console.log("(Hints go from a nudge to nearly the answer; take one at a time.)");
