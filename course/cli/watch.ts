// npm run watch [-- <lab>] [--task <task>]: grade a lab again every time one of
// its files is saved, with a progress bar and what fails. The screen is redrawn
// in place: a hint (h) or the list of labs (l) replaces the previous one under
// the table instead of piling up. See USAGE for the keys.
//
// One warm vitest grades the lab watched (course/grader/warm-lab.ts): a save is graded in a
// fraction of a cold `npm run grade`, with the same verdicts and the same clean-up.
import { existsSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { chapters, type Chapter, type Task } from "../manifest";
import { chapterArg, parseCommandLine, secondsArg, taskArg, usageError } from "./lib/args";
import { watchScreen } from "./lib/grade-text";
import { gradeLab, hasLab, type LabGrade } from "../grader/grade-lab";
import { WarmGrader } from "../grader/warm-lab";
import { formatHint, hintNumber, markHintSeen, nextHint } from "./lib/hints";
import { lastGrade, rememberGrade } from "../grader/lab-status";
import { failures } from "../grader/score";
import { readSnapshot, SNAPSHOT_FILE, type Snapshot } from "../grader/snapshot";
import { styleFor, textWidth } from "./lib/style";
import { courseRoot, labFolder, labId } from "../foundation/layout";

const USAGE = `Usage: npm run watch [-- <lab>] [--task <task>] [--time-limit <seconds>]

Grades a lab every time you save one of its files (labs/<lab>/), showing your
progress and what fails. Without a lab, starts at the first lab that does not
pass yet. With --task (by id or number), runs only that task's tests.

Keys (when run in a terminal):
  h  a hint for the task that fails   n  go on to the next lab
     (press again for the next one)   l  list the labs and their points
  q  quit (Ctrl-C too)

When stdin is not a terminal (an editor's task runner, a pipe), there are no
keys: it grades once, then again on every save, until it is stopped.`;

const { values, positionals } = parseCommandLine({ "time-limit": { type: "string" }, task: { type: "string" } }, USAGE);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length > 1) usageError(`Watch one lab at a time, not: ${positionals.join(" ")}`, USAGE);
if (values.task !== undefined && positionals[0] === undefined) usageError("--task needs a lab: npm run watch -- 04 --task lines", USAGE);
const wallTimeoutMs = secondsArg("--time-limit", values["time-limit"], USAGE);

const style = styleFor(process.stdout);
const labs = chapters.filter(hasLab);
const keys = process.stdin.isTTY === true;
const latest = new Map<string, LabGrade>();
// A change saved while a grade runs is not lost: one more grade follows. An editor's save is
// often several writes in a row: wait this long after the last one (vitest's own watch waits 100 ms).
const DEBOUNCE_MS = 100;

// Set once the lab to watch is known; keys other than q wait for it.
let current: Chapter | undefined;
let watcher: FSWatcher | undefined;
let debounce: NodeJS.Timeout | undefined;
let running: { controller: AbortController; done: Promise<void> } | undefined;
let again = false;
let quitting = false;
/** The one task whose tests run (--task), while the learner stays on the lab they named. */
let focus: Task | undefined;
/** What is shown under the table until the next grade: a hint, or the list of labs. */
let panel: string[] = [];

let snapshotWarning: string | undefined;
function snapshot(): Snapshot | undefined {
  try {
    const found = readSnapshot();
    snapshotWarning = found
      ? undefined
      : `${SNAPSHOT_FILE} is missing: edited tests cannot be detected, so this grade may use them. Restore it: \`git checkout ${SNAPSHOT_FILE}\`.`;
    return found;
  } catch (err) {
    snapshotWarning = `${(err as Error).message}. Edited tests cannot be detected.`;
    return undefined;
  }
}

/** One warm vitest grades every lab, the one watched and, at the start, the search for it. */
const warm = new WarmGrader("labs");

async function grade(chapter: Chapter, signal?: AbortSignal): Promise<LabGrade> {
  const task = chapter === current ? focus : undefined;
  return gradeLab(chapter, {
    impl: "labs",
    snapshot: snapshot(),
    warm,
    ...(signal === undefined ? {} : { signal }),
    ...(wallTimeoutMs === undefined ? {} : { wallTimeoutMs }),
    ...(task === undefined ? {} : { task }),
  });
}

let shown: { result: LabGrade; at: Date } | undefined;

/** Draw the screen of the latest grade again, with the current panel, in place of the old one. */
function redraw(): void {
  if (!shown) return;
  if (process.stdout.isTTY)
    process.stdout.write("\u001b[2J\u001b[H"); // a fresh screen, nothing piles up
  else console.log(`\n${"─".repeat(60)}`);
  const { result, at } = shown;
  const next = labs[labs.indexOf(result.chapter) + 1];
  console.log(watchScreen(result, style, { width: textWidth(), keys, panel, gradedAt: at, ...(next ? { next } : {}) }).join("\n"));
  if (snapshotWarning) console.log(`${style.warn} ${style.paint("red", snapshotWarning)}`);
}

function show(result: LabGrade): void {
  panel = [];
  shown = { result, at: new Date() };
  redraw();
}

/** Grade the current lab now, or right after the grade that is running. */
function regrade(): void {
  const chapter = current;
  if (!chapter) return;
  if (running) {
    again = true;
    return;
  }
  const controller = new AbortController();
  // Said on a pipe too: an editor's task runner (or a test) knows a save was taken.
  process.stdout.write(style.paint("dim", `\ngrading ${labId(chapter)}…\n`));
  const done = grade(chapter, controller.signal).then((result) => {
    running = undefined;
    if (!result.run.cancelled) {
      latest.set(labId(chapter), result);
      rememberGrade(result);
      if (chapter === current) show(result);
    }
    // A run that broke its warm vitest (a hang, a crash) threw it away: warm a new one now, so
    // that the next save does not wait for it.
    if (!quitting && !again) warm.prepare();
    if (again) {
      again = false;
      regrade();
    }
  });
  running = { controller, done };
}

/** Watch this lab's folder; grade it now, unless `graded` is a result fresh from the start-up search. */
function watchLab(chapter: Chapter, graded?: LabGrade): void {
  watcher?.close();
  if (chapter !== current) focus = undefined; // --task belongs to the lab it was given with
  current = chapter;
  const folder = path.join(courseRoot, labFolder(chapter));
  try {
    watcher = watch(folder, { recursive: true }, () => {
      if (folderGone(chapter)) return;
      clearTimeout(debounce);
      debounce = setTimeout(regrade, DEBOUNCE_MS); // an editor's save is often several writes
    });
    watcher.on("error", () => void folderGone(chapter, true));
  } catch (err) {
    console.error(`Cannot watch ${labFolder(chapter)}: ${(err as Error).message}. \`git checkout ${labFolder(chapter)}\` restores the lab.`);
    void quit(1);
    return;
  }
  if (running) {
    running.controller.abort(); // a grade of the lab we are leaving
    again = true;
  } else if (graded) {
    show(graded);
  } else {
    regrade();
  }
}

/**
 * When the lab's folder is gone (moved, renamed or deleted), there is nothing left to watch: say
 * so and stop with exit code 1. A watcher keeps watching the moved folder, so look, do not wait.
 */
function folderGone(chapter: Chapter, watcherFailed = false): boolean {
  if (quitting || (existsSync(path.join(courseRoot, labFolder(chapter))) && !watcherFailed)) return false;
  const folder = labFolder(chapter);
  console.error(
    watcherFailed
      ? `\nWatching ${folder} failed; watch stops. Run \`npm run watch -- ${chapter.number}\` again.`
      : `\n${folder} was moved or deleted, so there is nothing left to watch; watch stops. Put it back (\`git checkout ${folder}\` restores the starter) and run \`npm run watch -- ${chapter.number}\` again.`,
  );
  void quit(1);
  return true;
}
setInterval(() => {
  if (current) folderGone(current);
}, 1_000).unref();

/** The task to give a hint for: the first failing one of the latest grade, else the first with hints left. */
function stuckTask(chapter: Chapter): Task | undefined {
  const result = shown?.result.chapter === chapter ? shown.result : latest.get(labId(chapter));
  const failing = result ? failures(chapter, result.run).find((outcome) => outcome.task !== null)?.task : undefined;
  return chapter.lab.tasks.find((task) => task.id === failing) ?? focus ?? chapter.lab.tasks.find((task) => nextHint(chapter, task) !== undefined);
}

/** Per task, the hint shown last by h once all had been seen: h then goes round them again. */
const reshown = new Map<string, number>();

/** h: the next hint of the task that fails, in the panel under the table (the previous hint goes). */
function showHint(chapter: Chapter): void {
  const task = stuckTask(chapter) ?? chapter.lab.tasks[0];
  const width = textWidth();
  if (!task || task.hints.length === 0) {
    panel = [`Lab ${labId(chapter)} has no hints${task ? ` for task ${task.id}` : ""}.`];
  } else {
    let hint = nextHint(chapter, task);
    if (hint) {
      markHintSeen(chapter, task, hint.n);
    } else {
      // Every hint was seen (here or with npm run hint): go round them again.
      const key = `${labId(chapter)}/${task.id}`;
      const n = ((reshown.get(key) ?? 0) % task.hints.length) + 1;
      reshown.set(key, n);
      hint = hintNumber(task, n);
    }
    panel = hint ? formatHint(chapter, hint, width, "Press h again").split("\n") : [];
  }
  if (shown) redraw();
  else console.log(`\n${panel.join("\n")}`);
}

function nextLab(current: Chapter): void {
  const after = labs[labs.indexOf(current) + 1];
  if (!after) {
    console.log(`\n${labId(current)} is the last lab. l lists them all.`);
    return;
  }
  watchLab(after);
}

/** l: every lab with its points from its last grade (here or by npm run grade), in the panel. */
function listLabs(): void {
  const lines = [style.paint("bold", "Labs (points from each lab's last full grade):")];
  for (const chapter of chapters) {
    const status = lastGrade(chapter);
    const here = chapter === current ? style.paint("cyan", " ← watching") : "";
    let state: string;
    if (!hasLab(chapter)) state = style.paint("dim", "no lab yet");
    else if (!status) state = style.paint("dim", "not graded yet");
    else {
      const when = new Date(status.at).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
      state = `${status.complete ? style.pass : style.fail} ${`${status.earned}/${status.possible}`.padStart(5)} points ${style.paint("dim", `(${when})`)}`;
    }
    lines.push(`  ${labId(chapter).padEnd(25)}${state}${here}`);
  }
  panel = lines;
  if (shown) redraw();
  else console.log(`\n${panel.join("\n")}`);
}

async function quit(code = 0): Promise<void> {
  if (quitting) return;
  quitting = true;
  watcher?.close();
  clearTimeout(debounce);
  if (keys) process.stdin.setRawMode(false);
  if (running) {
    again = false;
    running.controller.abort(); // vitest runs detached from the terminal: stop it and what it started
    await running.done;
  }
  await warm.close();
  process.exit(code);
}

function onKey(data: Buffer): void {
  const key = data.toString("utf8");
  if (key === "q" || key === "\u0003" /* Ctrl-C */ || key === "\u0004" /* Ctrl-D */) void quit();
  else if (!current)
    return; // still looking for the lab to start with
  else if (key === "h") showHint(current);
  else if (key === "n") nextLab(current);
  else if (key === "l") listLabs();
}

/** The first lab that does not pass yet (grading them in order), or the last lab when all pass. */
async function firstUnfinishedLab(): Promise<Chapter | undefined> {
  for (const chapter of labs) {
    process.stdout.write(`checking ${labId(chapter)}… `);
    const controller = new AbortController();
    const grading = grade(chapter, controller.signal);
    running = { controller, done: grading.then(() => undefined) };
    const result = await grading;
    running = undefined;
    if (result.run.cancelled) return undefined;
    latest.set(labId(chapter), result);
    rememberGrade(result);
    console.log(result.score.complete ? "all tests pass" : `${result.score.earned}/${result.score.possible} points: watching this one`);
    if (!result.score.complete) return chapter;
  }
  return labs[labs.length - 1];
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => void quit(130));
if (keys) {
  process.stdin.setRawMode(true);
  process.stdin.on("data", onKey);
}
process.on("exit", () => {
  if (keys) process.stdin.setRawMode(false); // never leave the terminal in raw mode
});

const start = positionals[0] === undefined ? await firstUnfinishedLab() : chapterArg(positionals[0]);
if (quitting) {
  // q was pressed while looking for the lab to start with; quit() is finishing.
} else if (!start) {
  console.log("No chapter has a lab yet: nothing to watch.");
  await quit(1);
} else {
  if (!hasLab(start)) console.log(`Chapter ${labId(start)} has no lab yet; watching its folder anyway.`);
  current = start;
  if (values.task !== undefined) focus = taskArg(start, values.task);
  watchLab(start, focus ? undefined : latest.get(labId(start)));
}
