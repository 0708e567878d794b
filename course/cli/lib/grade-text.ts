// A lab's grade as text for the learner, fitted to the terminal (80 columns
// when unknown) so that nothing wraps: type errors first (a warning, the tests
// ran anyway), the task table with short titles, then every test that does
// not pass, one line each, the first one explained in full, and where the
// hint for its task is.
import { type Chapter, type Task } from "../../manifest";
import type { LabGrade } from "../../grader/grade-lab";
import { hintCommand } from "./hints";
import type { TestOutcome } from "../../grader/outcomes";
import { failures } from "../../grader/score";
import { columns, cut, fold, progressBar, type Style } from "./style";
import { labId, testsFolder } from "../../foundation/layout";

const fraction = (a: number, b: number): string => `${a}/${b}`;

/** Lines indented by `indent`, each folded to fit `width` (nothing is cut). */
function block(text: string, indent: string, width: number): string[] {
  return text.split("\n").flatMap((line) => fold(indent + line, width));
}

/** "✗ text…" folded to `width`, the mark (one column, maybe coloured) on the first line. */
function marked(mark: string, text: string, width: number): string[] {
  return fold(`# ${text}`, width).map((line, i) => (i === 0 ? mark + line.slice(1) : line));
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The table of tasks: short title, tests passed/counted, points earned/possible, and the lab's line. */
export function taskTable(grade: LabGrade, style: Style): string[] {
  const { score } = grade;
  const rows = [[style.paint("dim", "  task"), style.paint("dim", "tests"), style.paint("dim", "points"), ""]];
  for (const task of score.tasks) {
    const mark = !task.counted ? style.paint("dim", "-") : task.total > 0 && task.passed === task.total ? style.pass : style.fail;
    const points = task.counted ? fraction(task.earned, task.points) : style.paint("dim", `-/${task.points}`);
    const note = task.notRun > 0 ? style.paint("dim", `${task.notRun} not run: ${task.needs.length > 0 ? `needs ${task.needs.join(", ")}` : "skipped"}`) : "";
    rows.push([`${mark} ${task.short}`, fraction(task.passed, task.total), points, note]);
  }
  const lab = grade.focus ? `task ${grade.focus.id} only` : `lab ${grade.chapter.number}`;
  rows.push([style.paint("bold", `  ${lab}`), fraction(score.passed, score.total), style.paint("bold", fraction(score.earned, score.possible)), ""]);
  return columns(rows);
}

/**
 * "parseStat > keeps spaces inside comm: expected 'a' to be 'a b'" in `width`
 * columns: a long name gives up room for the message, which says what went wrong.
 */
function summary(outcome: TestOutcome, width: number): string {
  const first = outcome.message?.split("\n")[0] ?? "";
  if (first === "") return cut(outcome.name, width);
  const whole = `${outcome.name}: ${first}`;
  if (whole.length <= width) return whole;
  // The message says what went wrong: it may take up to 60% of the line.
  const room = Math.min(first.length, Math.max(Math.floor(width * 0.6), width - outcome.name.length - 2));
  return `${cut(outcome.name, width - room - 2)}: ${cut(first, room)}`;
}

function taskOf(chapter: Chapter, outcome: TestOutcome | undefined): Task | undefined {
  return outcome?.task === null || outcome === undefined ? undefined : chapter.lab.tasks.find((task) => task.id === outcome.task);
}

export interface NotesOptions {
  /** Columns available (the lines returned never exceed it). */
  width: number;
  /** How to ask for a hint where the notes are shown: watch mode says "press h". */
  hintHow?: (chapter: Chapter, task: Task) => string;
}

/** Type errors, shown above the table: file:line and TypeScript's first line. */
export function typeNotes(grade: LabGrade, style: Style, width: number): string[] {
  const problems = grade.typeProblems;
  if (problems.length === 0) return [];
  const lines = [`${style.warn} ${style.paint("yellow", `${plural(problems.length, "type error")} in the lab's files`)} (the tests ran anyway):`];
  for (const problem of problems) lines.push(...block(`${problem.file}:${problem.line}:${problem.column} ${problem.message}`, "    ", width));
  return lines;
}

/**
 * Everything about the lab that is not the table: load errors, a hang, every
 * failing test (the first explained in full), tests not run, stragglers,
 * edited tests. Every line fits `width`.
 */
export function labNotes(grade: LabGrade, style: Style, options: NotesOptions): string[] {
  const { run, chapter } = grade;
  const { width } = options;
  const lines: string[] = [];
  if (run.compileError) {
    lines.push(`${style.fail} ${style.paint("red", "Could not load the lab:")}`);
    lines.push(...block(run.compileError, "    ", width));
    lines.push(...block("Fix the file and line named above (a syntax error, or an import that does not exist); other labs are graded as usual.", "  ", width));
  }
  if (run.hung) lines.push(...marked(style.fail, `Stopped: ${run.hung}.`, width));

  const failing = failures(chapter, run);
  if (failing.length > 0) {
    lines.push(style.paint("bold", `Not passing yet: ${plural(failing.length, "test")}`));
    for (const outcome of failing) {
      lines.push(`  ${outcome.state === "skip" ? "-" : style.fail} ${summary(outcome, width - 4)}`);
    }
    const first = failing[0];
    // The test that hung has just been named; do not explain it twice.
    if (first && run.hung?.includes(`"${first.name}"`) !== true && !run.compileError) {
      lines.push("");
      lines.push(...fold(`First, in full: ${first.name}`, width).map((line, i) => (i === 0 ? style.paint("bold", line) : line)));
      if (first.message) lines.push(...block(first.message, "    ", width));
      if (first.file) lines.push(...fold(`    test file: ${first.file}`, width));
    }
    const task = taskOf(
      chapter,
      failing.find((outcome) => outcome.task !== null),
    );
    if (task) {
      const how = options.hintHow?.(chapter, task) ?? hintCommand(chapter, task);
      const plain = `Stuck on ${task.id}? ${how}`;
      lines.push(...(plain.length <= width ? [`Stuck on ${task.id}? ${style.paint("cyan", how)}`] : fold(plain, width)));
    }
  }

  const notRun = run.outcomes.filter((outcome) => outcome.notRun !== undefined);
  if (notRun.length > 0) {
    lines.push(style.paint("dim", `Not run here, so not scored: ${plural(notRun.length, "test")}`));
    for (const outcome of notRun) lines.push(style.paint("dim", `  - ${cut(`${outcome.name}: ${outcome.notRun}`, width - 4)}`));
  }

  if (run.stragglers.length > 0) {
    lines.push(`${style.warn} The lab left processes running; the grader killed them:`);
    for (const straggler of run.stragglers) lines.push(`    ${cut(`pid ${straggler.pid}: ${straggler.command}`, width - 4)}`);
    lines.push(...block("Wait for (or kill) every process your code starts, even when something fails.", "  ", width));
  }
  const restore = `\`git checkout ${testsFolder(chapter)}\` restores them`;
  for (const { file, change } of grade.modifiedTests) {
    const what =
      change === "changed"
        ? `You changed ${file}; grades use the tests as you changed them; ${restore}.`
        : change === "deleted"
          ? `You deleted ${file}; its tests are not graded; ${restore}.`
          : `You added ${file}; grades include its tests; delete it to be graded on the course's tests alone.`;
    lines.push(...marked(style.warn, what, width));
  }
  if (grade.focus) {
    lines.push(...block(`Only task ${grade.focus.id} ran. Grade without --task to run the whole lab.`, "", width).map((line) => style.paint("dim", line)));
  }
  return lines.flatMap((line) => line.split("\n"));
}

/** The heading, the type errors, the table and the notes: one lab as grade prints it. */
export function labReport(grade: LabGrade, style: Style, options: NotesOptions): string[] {
  const heading = cut(`${labId(grade.chapter)}  ${grade.chapter.title}`, options.width);
  const inner = { ...options, width: options.width - 2 };
  const types = typeNotes(grade, style, inner.width);
  const notes = labNotes(grade, style, inner);
  return [
    style.paint("bold", heading),
    ...types.map((line) => `  ${line}`),
    ...taskTable(grade, style).map((line) => `  ${line}`),
    ...(notes.length > 0 ? ["", ...notes.map((line) => (line === "" ? "" : `  ${line}`))] : []),
  ];
}

/** `[##########----------] 1/2 tasks done   6/10 points   5/8 tests pass` */
export function progressLine(grade: LabGrade, style: Style): string {
  const { score } = grade;
  const counted = score.tasks.filter((task) => task.counted);
  const done = counted.filter((task) => task.total > 0 && task.passed === task.total).length;
  const bar = progressBar(done, counted.length, 20);
  return `${style.paint(done === counted.length ? "green" : "yellow", bar)} ${done}/${counted.length} tasks done  ${score.earned}/${score.possible} points  ${score.passed}/${score.total} tests pass`;
}

export interface WatchScreenOptions {
  width: number;
  /** Keys work (stdin is a terminal): the notes say "press h" instead of a command. */
  keys: boolean;
  /** Under the table until the next grade: a hint, or the list of labs. */
  panel: string[];
  gradedAt: Date;
  /** The lab after this one, if any. */
  next?: Chapter;
}

/** Watch mode's screen for a grade: the table and what fails, then the panel, then the keys. */
export function watchScreen(result: LabGrade, style: Style, options: WatchScreenOptions): string[] {
  const { width, keys } = options;
  const folder = `labs/${labId(result.chapter)}`;
  const lines = [
    style.paint("bold", cut(`Watching ${folder}  ${result.chapter.title}`, width)),
    progressLine(result, style),
    "",
    ...typeNotes(result, style, width),
    ...taskTable(result, style),
    "",
    ...labNotes(result, style, { width, ...(keys ? { hintHow: (_chapter: Chapter, task: Task) => `press h for a hint on ${task.id}` } : {}) }),
  ];
  if (result.score.complete && !result.focus) {
    lines.push(style.paint("green", `Every task of ${labId(result.chapter)} is done.`));
    lines.push(options.next ? `Next: ${labId(options.next)}${keys ? " (press n)" : ""}.` : "That was the last lab.");
  }
  if (options.panel.length > 0) lines.push("", ...options.panel);
  lines.push("", style.paint("dim", cut(`Graded at ${options.gradedAt.toLocaleTimeString()}. Save a file in ${folder}/ to grade again.`, width)));
  lines.push(style.paint("dim", keys ? "Keys: h hint · n next lab · l list labs · q quit" : "No keys (stdin is not a terminal); stop with Ctrl-C."));
  return lines;
}
