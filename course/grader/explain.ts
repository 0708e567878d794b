// A lab's grade as text for the learner: the task table, then whatever needs
// their attention, most useful first (the first failure, with the hint command).
import { labDir } from "../manifest";
import type { LabGrade } from "./grade-lab";
import { testsFolder } from "./lab-files";
import { firstFailure } from "./score";
import { columns, indent, progressBar, type Style } from "./style";

const fraction = (a: number, b: number): string => `${a}/${b}`;

/** The table of tasks: title, tests passed/total, points earned/possible, and the lab's line. */
export function taskTable(grade: LabGrade, style: Style): string[] {
  const { score, run } = grade;
  const rows = [[style.paint("dim", "  task"), style.paint("dim", "tests"), style.paint("dim", "points")]];
  for (const task of score.tasks) {
    const mark = task.total > 0 && task.earned === task.points ? style.pass : style.fail;
    rows.push([`${mark} ${task.title}`, fraction(task.passed, task.total), fraction(task.earned, task.points)]);
  }
  const loose = run.outcomes.filter((outcome) => outcome.task === null);
  if (loose.length > 0) {
    const passed = loose.filter((outcome) => outcome.state === "pass").length;
    rows.push([`${style.warn} (outside any task: earns no points)`, fraction(passed, loose.length), "-"]);
  }
  rows.push([style.paint("bold", `  lab ${labDir(grade.chapter)}`), fraction(score.passed, score.total), style.paint("bold", fraction(score.earned, score.possible))]);
  return columns(rows);
}

/**
 * Everything about the lab that is not a table: load errors, a hang, the first
 * failure, stragglers, edited tests. One line per entry (no embedded newlines).
 */
export function labNotes(grade: LabGrade, style: Style): string[] {
  const { run, chapter } = grade;
  const lines: string[] = [];
  if (run.compileError) {
    lines.push(`${style.fail} ${style.paint("red", "Could not load the lab:")}`);
    lines.push(indent(run.compileError, "    "));
    lines.push("  Fix the file and line named above (a syntax error, or an import that does not exist); other labs are graded as usual.");
  }
  if (run.hung) {
    lines.push(`${style.fail} ${style.paint("red", "Stopped:")} ${run.hung}.`);
  }
  const failure = run.compileError ? undefined : firstFailure(run);
  // The test that hung has just been named; do not explain it twice.
  const alreadyNamed = failure !== undefined && run.hung?.includes(`"${failure.name}"`) === true;
  if (failure && !alreadyNamed) {
    const kind = failure.state === "timeout" ? "First timeout" : failure.state === "skip" ? "First test not run" : "First failure";
    lines.push(`${style.paint("bold", `${kind}:`)} ${failure.name}`);
    if (failure.message) lines.push(indent(failure.message, "    "));
    if (failure.file) lines.push(`    test file: ${failure.file}`);
  }
  if (!grade.score.complete) lines.push(`Stuck? ${style.paint("cyan", `npm run hint -- ${chapter.number}`)}`);
  if (run.stragglers.length > 0) {
    lines.push(`${style.warn} The lab left processes running; the grader killed them:`);
    for (const straggler of run.stragglers) lines.push(`    pid ${straggler.pid}: ${straggler.command}`);
    lines.push("  Wait for (or kill) every process your code starts, even when something fails.");
  }
  const restore = `\`git checkout ${testsFolder(chapter)}\` restores them`;
  for (const { file, change } of grade.modifiedTests) {
    const what =
      change === "changed"
        ? `You changed ${file}; grades use the tests as you changed them; ${restore}.`
        : change === "deleted"
          ? `You deleted ${file}; its tests are not graded; ${restore}.`
          : `You added ${file}; grades include its tests; delete it to be graded on the course's tests alone.`;
    lines.push(`${style.warn} ${what}`);
  }
  return lines.flatMap((line) => line.split("\n"));
}

/** `[##########----------] 1/2 tasks done   6/10 points   5/8 tests pass` */
export function progressLine(grade: LabGrade, style: Style): string {
  const { score } = grade;
  const done = score.tasks.filter((task) => task.total > 0 && task.earned === task.points).length;
  const bar = progressBar(done, score.tasks.length);
  return `${style.paint(done === score.tasks.length ? "green" : "yellow", bar)} ${done}/${score.tasks.length} tasks done   ${score.earned}/${score.possible} points   ${score.passed}/${score.total} tests pass`;
}
