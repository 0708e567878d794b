// How the grader scores and shows a grade, from outcomes made up here (no
// vitest run): tests not run are not scored, partial credit, every failure
// listed and the first in full, failure messages in plain words, uncaught
// errors blamed on a test, 80 columns for every lab in grade and in watch,
// type errors with file:line, and JUnit XML read back by a real JUnit parser.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse as parseJUnit } from "junit2json";
import { afterAll, describe, expect, it } from "vitest";
import { chapters, findChapter, findTask, SHORT_TITLE_MAX, type Chapter } from "../manifest";
import type { GradeEvent } from "../grader/events";
import { labReport, watchScreen } from "../cli/lib/grade-text";
import { explainFailure } from "../grader/failure";
import type { LabGrade } from "../grader/grade-lab";
import { formatHint } from "../cli/lib/hints";
import { buildJUnit } from "../grader/junit";
import { buildOutcomes, type TestOutcome } from "../grader/outcomes";
import { runLab, type LabRun } from "../grader/run-lab";
import { firstFailure, partialPoints, scoreLab } from "../grader/score";
import { styleFor, visibleLength, type Style } from "../cli/lib/style";
import { typeCheckFiles } from "../grader/typecheck";
import { courseRoot, labId } from "../foundation/layout";

const plain: Style = styleFor({ isTTY: false } as NodeJS.WriteStream);
// Colours must not count as columns: render with them too.
const coloured: Style = (() => {
  const paint = (_colour: string, text: string): string => `\u001b[1m${text}\u001b[0m`;
  return { paint, pass: paint("green", "✓"), fail: paint("red", "✗"), warn: paint("yellow", "!") };
})();

function outcome(chapter: Chapter, task: string | null, name: string, state: TestOutcome["state"], extra: Partial<TestOutcome> = {}): TestOutcome {
  return { file: `labs/${labId(chapter)}/tests/x.test.ts`, name: task === null ? name : `${task} > ${name}`, task, state, durationMs: 3, ...extra };
}

function grade(chapter: Chapter, outcomes: TestOutcome[], extra: Partial<LabRun> = {}, more: Partial<LabGrade> = {}): LabGrade {
  const run: LabRun = {
    lab: labId(chapter),
    impl: "labs",
    outcomes,
    stragglers: [],
    containment: { kind: "subreaper", mechanism: "child subreaper" },
    durationMs: 1234,
    ...extra,
  };
  return { chapter, run, score: scoreLab(chapter, run), modifiedTests: [], typeProblems: [], ...more };
}

const LONG_MESSAGE =
  "expected [ 'hel', 'lo wo', 'rld' ] to deeply equal [ 'hello world' ]: a line that arrives in three chunks must come out as one line, " +
  "because a chunk is whatever one read() returned and says nothing about where lines end";

describe("scoring", () => {
  const chapter = findChapter("06");

  it("does not score a test skipped for a missing tool: a correct lab without the tool gets full marks", () => {
    const outcomes = chapter.lab.tasks.flatMap((task) => [outcome(chapter, task.id, "works", "pass"), outcome(chapter, task.id, "works again", "pass")]);
    outcomes.push(
      outcome(chapter, "trialStatus", "flags a real program (needs faketime)", "skip", {
        message: "not run here: needs faketime",
        notRun: "not run here: needs faketime",
      }),
    );
    const score = scoreLab(chapter, grade(chapter, outcomes).run);
    expect(score.earned).toBe(score.possible);
    expect(score.possible).toBe(16);
    expect(score.complete).toBe(true);
    const trial = score.tasks.find((task) => task.id === "trialStatus");
    expect(trial).toMatchObject({ passed: 2, total: 2, notRun: 1, needs: ["faketime"], earned: 6 });
  });

  it("gives partial credit in proportion to passing tests, rounded down, full only when all pass", () => {
    expect(partialPoints(4, 5, 6)).toBe(3);
    expect(partialPoints(6, 13, 14)).toBe(5);
    expect(partialPoints(2, 1, 3)).toBe(0);
    expect(partialPoints(3, 3, 3)).toBe(3);
    expect(partialPoints(3, 0, 0)).toBe(0);
    const outcomes = [
      ...["a", "b", "c", "d", "e"].map((name) => outcome(chapter, "Stopwatch", name, "pass")),
      outcome(chapter, "Stopwatch", "f", "fail", { message: "expected 1 to be 2" }),
    ];
    expect(scoreLab(chapter, grade(chapter, outcomes).run).tasks[0]).toMatchObject({ earned: 3, points: 4, passed: 5, total: 6 });
  });

  it("leaves out of the possible points a task none of whose tests could run here", () => {
    const outcomes = [
      outcome(chapter, "Stopwatch", "a", "pass"),
      outcome(chapter, "Deadline", "needs it (needs faketime)", "skip", { notRun: "not run here: needs faketime" }),
    ];
    const score = scoreLab(chapter, grade(chapter, outcomes).run);
    expect(score.tasks.find((task) => task.id === "Deadline")?.counted).toBe(false);
    // trialStatus and trialState have no test at all here: they count, and earn nothing.
    expect(score.possible).toBe(16 - 3);
  });
});

describe("outcomes from vitest's events", () => {
  const file = "labs/06-clocks/tests/trial.test.ts";
  const base = { testFiles: [file], taskIds: ["trialStatus", "trialState"], courseRoot };
  const finished = (name: string, state: "pass" | "fail" | "skip", message?: string): GradeEvent => ({
    type: "finished",
    from: "reporter",
    file,
    path: ["trialStatus", name],
    state,
    durationMs: 1,
    ...(message === undefined ? {} : { message }),
  });
  const collected = (...names: string[]): GradeEvent => ({ type: "collected", file, tests: names.map((name) => ["trialStatus", name]) });

  it("marks a skipped test 'not run here: needs <tool>' from its title, and a plain skip 'skipped'", () => {
    const events = [collected("real clock (needs faketime)", "later"), finished("real clock (needs faketime)", "skip"), finished("later", "skip")];
    const { outcomes } = buildOutcomes({ ...base, events });
    expect(outcomes.map((o) => o.notRun)).toEqual(["not run here: needs faketime", "skipped"]);
  });

  it("blames an uncaught error on the test vitest names, and fails it", () => {
    const events: GradeEvent[] = [
      collected("first", "second"),
      finished("first", "pass"),
      finished("second", "pass"),
      { type: "unhandled-error", message: "Error: write EPIPE", file, lastTest: "second" },
    ];
    const { outcomes } = buildOutcomes({ ...base, events });
    expect(outcomes.map(({ name, state }) => ({ name, state }))).toEqual([
      { name: "trialStatus > first", state: "pass" },
      { name: "trialStatus > second", state: "fail" },
    ]);
    expect(outcomes[1]?.message).toMatch(/^an error nothing caught, thrown while this test ran: Error: write EPIPE$/);
  });

  it("blames an uncaught error thrown between tests on the last test of its file that started", () => {
    const started = (name: string, at: number): GradeEvent => ({ type: "started", at, pid: 1, file, path: ["trialStatus", name] });
    const events: GradeEvent[] = [
      collected("first", "second"),
      started("first", 10),
      finished("first", "pass"),
      started("second", 20),
      finished("second", "pass"),
      { type: "unhandled-error", message: "Error: write EPIPE", file },
    ];
    const { outcomes } = buildOutcomes({ ...base, events });
    expect(outcomes.map((o) => o.state)).toEqual(["pass", "fail"]);
    expect(outcomes[1]?.message).toMatch(/thrown after this test started .*: Error: write EPIPE/);
  });

  it("explains an uncaught error no test can be blamed for, instead of an unexplained row", () => {
    const { outcomes } = buildOutcomes({
      ...base,
      events: [collected("first"), finished("first", "pass"), { type: "unhandled-error", message: "Error: boom" }],
    });
    const stray = outcomes.find((o) => o.task === null);
    expect(stray?.message).toMatch(/while no test of the lab was running .*: Error: boom/);
    const chapter = findChapter("06");
    const text = labReport(grade(chapter, outcomes), plain, { width: 80 }).join("\n");
    expect(text).not.toMatch(/outside any task/);
    expect(text).toMatch(/✗ \(an error thrown outside ev.*: an error nothing caught/);
    expect(text).toMatch(/First, in full: \(an error thrown outside every test\)\n\s+an error nothing caught, thrown while no test/);
  });
});

describe("an uncaught error in a real run", () => {
  const scratch = path.join(".course", "grader-fixtures", `uncaught-${process.pid}`);
  afterAll(() => rmSync(path.join(courseRoot, scratch), { recursive: true, force: true }));

  it("fails the test that caused it, with the error, and leaves the others alone", async () => {
    mkdirSync(path.join(courseRoot, scratch, "tests"), { recursive: true });
    copyFileSync(path.join(courseRoot, "course/tests/fixtures/uncaught/tests/leaks.fixture.ts"), path.join(courseRoot, scratch, "tests", "leaks.test.ts"));
    const chapter: Chapter = {
      number: "99",
      slug: "uncaught",
      title: "fixture: uncaught",
      summary: "",
      lab: { files: [], tasks: [{ id: "leaks", title: "leaks", short: "leaks", points: 3, hints: [] }] },
    };
    const run = await runLab(chapter, { impl: "labs", testsDir: `${scratch}/tests` });
    expect(run.outcomes.map(({ name, state }) => ({ name, state }))).toEqual([
      { name: "leaks > passes before", state: "pass" },
      { name: "leaks > leaves an 'error' event nobody listens for", state: "fail" },
      { name: "leaks > passes after", state: "pass" },
    ]);
    expect(run.outcomes[1]?.message).toMatch(/^an error nothing caught, thrown while this test ran: .*write EPIPE/);
    expect(scoreLab(chapter, run)).toMatchObject({ earned: 2, possible: 3, complete: false });
  });
});

describe("failure messages", () => {
  it("keeps the test's whole message: nothing cut short", () => {
    const { message } = explainFailure({ name: "AssertionError", message: LONG_MESSAGE }, courseRoot);
    expect(message).toBe(LONG_MESSAGE);
  });

  it('says "it returned normally" when nothing was thrown, keeping the test\'s own words', () => {
    const caught = explainFailure(
      { name: "AssertionError", message: "writing with no collector: expected undefined to be an instance of CollectorNotRunningError" },
      courseRoot,
    );
    expect(caught.message).toBe("writing with no collector: expected it to throw CollectorNotRunningError, but it returned normally (nothing was thrown)");
    const promise = explainFailure({ name: "AssertionError", message: 'promise resolved "undefined" instead of rejecting' }, courseRoot);
    expect(promise.message).toBe('expected it to fail (reject), but it returned normally (resolved with "undefined")');
    const fn = explainFailure({ name: "AssertionError", message: "expected [Function] to throw an error" }, courseRoot);
    expect(fn.message).toBe("expected it to throw an error, but it returned normally");
    // Something else was thrown: that is not "returned normally".
    const other = explainFailure({ name: "AssertionError", message: "expected [Function] to throw error matching /stat/ but got 'TODO'" }, courseRoot);
    expect(other.message).toBe("expected [Function] to throw error matching /stat/ but got 'TODO'");
  });

  it("explains an errno raised in the test's own step as a consequence of the lab's code", () => {
    const stack = `Error: ENXIO: no such device or address, open '/tmp/x/fifo'\n    at openSync (node:fs:573:18)\n    at ${courseRoot}/labs/09-fifos/tests/fifos.test.ts:67:5`;
    const { message } = explainFailure({ name: "Error", message: "ENXIO: no such device or address, open '/tmp/x/fifo'", code: "ENXIO", stack }, courseRoot);
    expect(message.split("\n")).toEqual([
      "ENXIO: no such device or address, open '/tmp/x/fifo'",
      "(ENXIO: no process has the FIFO open for reading (a non-blocking open for writing fails at once))",
      "at labs/09-fifos/tests/fifos.test.ts:67:5: the test's own step failed, because of what your code did (or did not do) before it",
    ]);
    // A failed expectation that mentions an errno is the test's verdict, not a failed step.
    const assertion = explainFailure(
      {
        name: "AssertionError",
        message: "expected 'write EPIPE' to be 'a CollectorNotRunningError'",
        stack: `AssertionError: x
    at ${courseRoot}/labs/09-fifos/tests/fifos.test.ts:80:7`,
      },
      courseRoot,
    );
    expect(assertion.message.split("\n")).toEqual([
      "expected 'write EPIPE' to be 'a CollectorNotRunningError'",
      "(EPIPE: the reading end is closed: nobody will read what is written)",
      "at labs/09-fifos/tests/fifos.test.ts:80:7",
    ]);
  });
});

describe("the grade as shown", () => {
  const chapter = findChapter("04");

  it("lists every failing test, one line each, in task order, and explains the first one in full", () => {
    const outcomes = [
      outcome(chapter, "maxLineBytes", "throws LineTooLongError naming the line", "fail", {
        message: "expected it to throw LineTooLongError, but it returned normally",
      }),
      outcome(chapter, "lines", "does not invent an empty last line after a final newline", "fail", {
        message: "expected [ 'a', '' ] to deeply equal [ 'a' ]",
      }),
      outcome(chapter, "lines", "puts back together a line that arrives in pieces (chunks are not lines)", "fail", { message: LONG_MESSAGE }),
      outcome(chapter, "lines", "splits on \\n", "pass"),
    ];
    const g = grade(chapter, outcomes);
    expect(firstFailure(chapter, g.run)?.name).toBe("lines > does not invent an empty last line after a final newline");
    const lines = labReport(g, plain, { width: 80 });
    const listed = lines.filter((line) => /^ {4}✗ /.test(line));
    expect(listed).toHaveLength(3);
    expect(listed[1]).toMatch(/^ {4}✗ lines > puts back together .*: expected \[ 'hel', 'lo wo', 'rl/);
    expect(listed[2]).toMatch(/maxLineBytes > throws LineT.*: expected it to throw/);
    expect(lines.join("\n")).toMatch(
      /First, in full: lines > does not invent an empty last line after a final\s+newline\n {6}expected \[ 'a', '' \] to deeply equal \[ 'a' \]/,
    );
    expect(lines.join("\n")).toContain("Stuck on lines? npm run hint -- 04 lines");
  });

  it("shows the hint key instead of the command in watch mode", () => {
    const g = grade(chapter, [outcome(chapter, "runNl", "exits 2", "fail", { message: "expected 1 to be 2" })]);
    const text = watchScreen(g, plain, { width: 80, keys: true, panel: [], gradedAt: new Date() }).join("\n");
    expect(text).toContain("Stuck on runNl? press h for a hint on runNl");
    expect(text).not.toContain("npm run hint");
  });

  it("shows type errors with file:line above the table, as a warning", () => {
    const g = grade(
      chapter,
      [outcome(chapter, "lines", "a", "pass")],
      {},
      {
        typeProblems: [{ file: "labs/04-stdin-lines/lines.ts", line: 12, column: 7, message: "TS2322: Type 'string' is not assignable to type 'number'." }],
      },
    );
    const lines = labReport(g, plain, { width: 80 });
    const warning = lines.findIndex((line) => line.includes("1 type error in the lab's files (the tests ran anyway)"));
    const table = lines.findIndex((line) => /^ {4}task\s+tests\s+points/.test(line));
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(table);
    expect(lines[warning + 1]).toMatch(/labs\/04-stdin-lines\/lines\.ts:12:7 TS2322/);
  });

  it("fits 80 columns for every lab, passing, failing, with tests not run, in grade and in watch", () => {
    for (const lab of chapters) {
      const tasks = lab.lab.tasks;
      const longName = "a test whose name is much longer than any terminal is wide, to see that it is cut and not wrapped by the terminal";
      const states: TestOutcome[][] = [
        tasks.flatMap((task) => [outcome(lab, task.id, "one", "pass"), outcome(lab, task.id, "two", "pass")]),
        tasks.flatMap((task) => [
          outcome(lab, task.id, longName, "fail", {
            message: `${LONG_MESSAGE}\n(- expected, + received)\n+   "${"x".repeat(150)}",\nat labs/${labId(lab)}/tests/x.test.ts:1:1`,
          }),
          outcome(lab, task.id, "times out", "timeout", { message: "timed out after 10000 ms waiting for the collector's first record, which never came" }),
          outcome(lab, task.id, `${longName} (needs faketime)`, "skip", { notRun: "not run here: needs faketime" }),
          outcome(lab, task.id, "passes", "pass"),
        ]),
      ];
      for (const outcomes of states) {
        const g = grade(
          lab,
          outcomes,
          { hung: `"${longName}" (labs/x.test.ts) was stuck for 30 s in a synchronous loop that never ends` },
          {
            typeProblems: [
              { file: `labs/${labId(lab)}/x.ts`, line: 1, column: 1, message: `TS2322: ${"Type 'string' is not assignable to type 'number'. ".repeat(3)}` },
            ],
            modifiedTests: [{ file: "tests/x.test.ts", change: "changed" }],
          },
        );
        const panel = formatHint(
          lab,
          { task: tasks[0] ?? findTask(lab, "1"), n: 1, total: tasks[0]?.hints.length ?? 1, text: tasks[0]?.hints[0] ?? "" },
          80,
          "Press h again",
        ).split("\n");
        for (const style of [plain, coloured]) {
          const screens = [labReport(g, style, { width: 80 }), watchScreen(g, style, { width: 80, keys: true, panel, gradedAt: new Date() })];
          for (const line of screens.flat()) expect(visibleLength(line), `${labId(lab)}: ${line}`).toBeLessThanOrEqual(80);
        }
      }
    }
  });

  it("gives every task a short title that fits the table", () => {
    for (const lab of chapters) for (const task of lab.lab.tasks) expect(task.short.length, `${labId(lab)} ${task.id}`).toBeLessThanOrEqual(SHORT_TITLE_MAX);
  });
});

describe("type check", () => {
  const folder = path.join(".course", `typecheck-${process.pid}`);
  afterAll(() => rmSync(path.join(courseRoot, folder), { recursive: true, force: true }));

  it("reports a type error in the lab's files with file:line, and nothing for code that type-checks", () => {
    mkdirSync(path.join(courseRoot, folder), { recursive: true });
    writeFileSync(path.join(courseRoot, folder, "good.ts"), "export const n: number = 1;\n");
    writeFileSync(path.join(courseRoot, folder, "bad.ts"), 'import { n } from "./good";\n\nexport const s: string = n;\n');
    expect(typeCheckFiles(folder, ["good.ts"])).toEqual([]);
    expect(typeCheckFiles(folder, ["bad.ts"])).toEqual([
      { file: `${folder}/bad.ts`, line: 3, column: 14, message: "TS2322: Type 'number' is not assignable to type 'string'." },
    ]);
  });
});

describe("JUnit XML", () => {
  it("is read back by a JUnit parser: one testcase per test, task as classname, failures with message, skips with reason", async () => {
    const chapter = findChapter("06");
    const g = grade(chapter, [
      outcome(chapter, "Stopwatch", 'measures <exactly> & "precisely"', "pass"),
      outcome(chapter, "Deadline", "expires", "fail", { message: "expected 3 to be 4\nat labs/06-clocks/tests/stopwatch.test.ts:9:9" }),
      outcome(chapter, "trialStatus", "real clock (needs faketime)", "skip", { notRun: "not run here: needs faketime" }),
    ]);
    const loadError = grade(findChapter("00"), [], { compileError: 'labs/00-welcome/tests/stat.test.ts did not load:\nstat.ts:3:1: Expected ";"' });
    const parsed = await parseJUnit(buildJUnit([g, loadError]));
    expect(parsed).toMatchObject({ tests: 4, failures: 1, errors: 1 });
    const suites = (parsed as { testsuite?: { name?: string; testcase?: unknown[] }[] }).testsuite ?? [];
    expect(suites.map((suite) => suite.name)).toEqual(["06-clocks", "00-welcome"]);
    expect(suites[0]?.testcase).toEqual([
      { name: 'Stopwatch > measures <exactly> & "precisely"', classname: "Stopwatch", file: "labs/06-clocks/tests/x.test.ts", time: 0.003 },
      {
        name: "Deadline > expires",
        classname: "Deadline",
        file: "labs/06-clocks/tests/x.test.ts",
        time: 0.003,
        failure: [{ message: "expected 3 to be 4", type: "fail", inner: "expected 3 to be 4\nat labs/06-clocks/tests/stopwatch.test.ts:9:9" }],
      },
      {
        name: "trialStatus > real clock (needs faketime)",
        classname: "trialStatus",
        file: "labs/06-clocks/tests/x.test.ts",
        time: 0.003,
        skipped: [{ message: "not run here: needs faketime" }],
      },
    ]);
    expect(suites[1]?.testcase).toMatchObject([{ error: [{ type: "load-error", inner: expect.stringContaining('Expected ";"') }] }]);
  });
});
