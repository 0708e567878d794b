// npm run grade [-- <lab>]: the learner's autograder over labs/.
// Grades every lab of the course, one at a time (or just the one named, or one
// task of it), prints per lab its type errors, a table of tasks and points,
// every failing test with the first explained, and writes a JSON report (and
// JUnit XML when asked). Exits 0 only when every graded test passes.
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { chapters, type Chapter, type Task } from "../manifest";
import { chapterArg, implArg, parseCommandLine, secondsArg, taskArg, usageError, userPath } from "./lib/args";
import { labReport } from "./lib/grade-text";
import { gradeLab, hasLab, type LabGrade } from "../grader/grade-lab";
import { writeJUnit } from "../grader/junit";
import { rememberGrade } from "../grader/lab-status";
import { buildReport, writeReport } from "../grader/report";
import { DEFAULT_WALL_TIMEOUT_MS } from "../grader/run-lab";
import { readSnapshot, SNAPSHOT_FILE, type Snapshot } from "../grader/snapshot";
import { cut, styleFor, textWidth } from "./lib/style";
import { displayPath, labId, statePath } from "../foundation/layout";

const USAGE = `Usage: npm run grade [-- <lab>] [--task <task>] [--json <path>] [--junit <path>]
                        [--time-limit <seconds>] [--impl labs|solutions]
       npm run grade -- --clean-room <learner's course folder> [<lab>]   (for instructors)

Grades your work in labs/: every lab, or the one named ("00", "welcome" or "00-welcome").
  --task <task>           run only this task's tests (by id or number; needs a lab)
  --json <path>           write the JSON report there (default .course/grade-report.json)
  --junit <path>          also write the results as JUnit XML, for CI and classroom tools
  --time-limit <seconds>  stop a lab whose tests run longer (default: the lab's own limit, ${DEFAULT_WALL_TIMEOUT_MS / 1000} s for most)
  --impl solutions        grade the model answers instead (for maintainers)
Exit status: 0 when every graded test passes, 1 when some do not, 2 for a usage error.`;

// `--clean-room <folder>`: grade a learner's copy in a fresh copy of the course (course/cli/clean-room.ts).
if (process.argv.slice(2).some((arg) => arg === "--clean-room" || arg.startsWith("--clean-room="))) {
  await import("./clean-room");
  process.exit(process.exitCode ?? 0);
}

const { values, positionals } = parseCommandLine(
  { json: { type: "string" }, junit: { type: "string" }, impl: { type: "string" }, task: { type: "string" }, "time-limit": { type: "string" } },
  USAGE,
);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length > 1) usageError(`Grade one lab or all of them, not ${positionals.length}: ${positionals.join(" ")}`, USAGE);

const impl = implArg(values.impl, USAGE);
const wallTimeoutMs = secondsArg("--time-limit", values["time-limit"], USAGE);
const reportFile = values.json === undefined ? statePath("grade-report.json") : userPath(values.json);
const junitFile = values.junit === undefined ? undefined : userPath(values.junit);
// Check where the reports go before grading, not after (the grade would be lost).
for (const [flag, file] of [
  ["--json", reportFile],
  ["--junit", junitFile],
] as const) {
  if (file === undefined) continue;
  if (existsSync(file) && statSync(file).isDirectory()) {
    usageError(
      `${flag} ${displayPath(file)} is a folder; give a file name for the ${flag === "--json" ? "report" : "JUnit XML"}, such as ${displayPath(path.join(file, flag === "--json" ? "grade-report.json" : "grade.junit.xml"))}`,
      USAGE,
    );
  }
  try {
    mkdirSync(path.dirname(file), { recursive: true });
  } catch (err) {
    usageError(
      `${flag} ${displayPath(file)}: cannot create the folder for it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose another path`,
      USAGE,
    );
  }
}
const named = positionals[0];
if (values.task !== undefined && named === undefined) usageError("--task needs a lab: npm run grade -- 04 --task lines", USAGE);
const selected: Chapter[] = named === undefined ? chapters : [chapterArg(named)];
const task: Task | undefined = values.task === undefined || selected[0] === undefined ? undefined : taskArg(selected[0], values.task);
const style = styleFor(process.stdout);
const width = textWidth(process.stdout);

let snapshot: Snapshot | undefined;
try {
  snapshot = readSnapshot();
  if (snapshot === undefined) {
    console.log(
      `${style.warn} ${style.paint("red", `${SNAPSHOT_FILE} is missing`)}: the grader cannot tell whether the tests were changed, so this grade may use edited tests. Restore it: \`git checkout ${SNAPSHOT_FILE}\`.\n`,
    );
  }
} catch (err) {
  console.log(`${style.warn} ${(err as Error).message}. Grading goes on; edited tests cannot be detected.`);
}

// Ctrl-C: vitest runs detached from the terminal (setsid), out of its reach, so
// stop it (and whatever the lab started) before leaving.
const interrupt = new AbortController();
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => interrupt.abort());

const grades: LabGrade[] = [];
for (const chapter of selected) {
  if (!hasLab(chapter)) {
    console.log(
      `${style.paint("bold", cut(`${labId(chapter)}  ${chapter.title}`, width))}\n  ${style.paint("dim", "no lab in this chapter yet: nothing to grade")}\n`,
    );
    continue;
  }
  if (process.stdout.isTTY) process.stdout.write(style.paint("dim", `grading ${labId(chapter)}${task ? `, task ${task.id}` : ""}…\r`));
  const grade = await gradeLab(chapter, {
    impl,
    snapshot,
    signal: interrupt.signal,
    ...(wallTimeoutMs === undefined ? {} : { wallTimeoutMs }),
    ...(task === undefined ? {} : { task }),
  });
  if (grade.run.cancelled) {
    console.log(`\nInterrupted while grading ${labId(chapter)}; its tests and their processes were stopped. No report written.`);
    process.exit(130);
  }
  grades.push(grade);
  rememberGrade(grade);
  if (process.stdout.isTTY) process.stdout.write("\u001b[2K"); // clear the "grading…" line
  console.log(`${labReport(grade, style, { width }).join("\n")}\n`);
}

const report = buildReport(grades, impl);
writeReport(report, reportFile);
if (junitFile) writeJUnit(grades, junitFile);
const { earned, possible, passed, total, allPassed } = report.totals;
if (grades.length === 0) {
  console.log("No lab had anything to grade yet.");
} else {
  const verdict = allPassed ? style.paint("green", "all tests pass") : style.paint("red", `${total - passed} of ${total} do not pass yet`);
  const of = impl === "solutions" ? " (solutions/)" : "";
  console.log(`${style.paint("bold", `Total${of}: ${earned}/${possible} points`)}, ${passed}/${total} tests: ${verdict}.`);
}
console.log(`Report: ${displayPath(reportFile)}${junitFile ? `, JUnit XML: ${displayPath(junitFile)}` : ""}`);
process.exit(allPassed ? 0 : 1);
