// The grader's own tests: it must grade the real lab 00 both ways, and survive
// labs that misbehave (fixture labs in course/tests/fixtures, see its README).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { courseRoot } from "../impl";
import { findChapter, type Chapter } from "../manifest";
import { isAlive, pidsWithEnv, tsNodeArgs } from "../testkit";
import { filesUnder } from "../grader/lab-files";
import type { GradeReport } from "../grader/report";
import { runLab } from "../grader/run-lab";
import { TESTS_DIR_VARIABLE } from "../grader/run-env";
import { firstFailure, scoreLab } from "../grader/score";

const FIXTURES = "course/tests/fixtures";
const scratch = path.join(courseRoot, ".course", "grader-fixtures", randomBytes(4).toString("hex"));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  try {
    rmdirSync(path.dirname(scratch)); // only when no other run's scratch is in it
  } catch {
    // Not empty, or already gone.
  }
});

/** Relative imports that leave the fixture lab, re-aimed from the scratch copy. */
function rewriteImports(source: string, from: string, to: string, labSource: string): string {
  return source.replace(/(from\s+")(\.{1,2}\/[^"]+)(")/g, (whole, open: string, spec: string, close: string) => {
    const target = path.resolve(path.dirname(from), spec);
    if (target.startsWith(`${labSource}/`)) return whole; // inside the lab: copied along
    const moved = path.relative(path.dirname(to), target);
    return `${open}${moved.startsWith(".") ? moved : `./${moved}`}${close}`;
  });
}

/** Copy a fixture lab to the scratch folder, undisguised; returns its tests folder, relative to the course root. */
function fixtureLab(name: string): string {
  const labSource = path.join(courseRoot, FIXTURES, name);
  const labTarget = path.join(scratch, name);
  for (const file of filesUnder(`${FIXTURES}/${name}`)) {
    const from = path.join(labSource, file);
    const to = path.join(labTarget, file.replace(/\.fixture\.ts$/, ".test.ts").replace(/\.ts\.txt$/, ".ts"));
    mkdirSync(path.dirname(to), { recursive: true });
    writeFileSync(to, rewriteImports(readFileSync(from, "utf8"), from, to, labSource));
  }
  return path.relative(courseRoot, path.join(labTarget, "tests"));
}

/** A chapter for a fixture lab; it never enters the real manifest. */
function fixtureChapter(slug: string, taskIds: string[]): Chapter {
  return {
    number: "99",
    slug,
    title: `fixture: ${slug}`,
    summary: "",
    lab: { files: [], tasks: taskIds.map((id) => ({ id, title: id, points: 1 })), hints: [] },
  };
}

/** Processes of a run, found by its (unique, scratch) tests folder in their environment. */
function processesOfRun(testsDir: string): number[] {
  return pidsWithEnv(TESTS_DIR_VARIABLE, testsDir).filter(isAlive);
}

describe("lab 00", () => {
  it("passes every test with the solutions", async () => {
    const chapter = findChapter("00");
    const run = await runLab(chapter, { impl: "solutions" });
    expect(run.compileError).toBeUndefined();
    expect(run.hung).toBeUndefined();
    expect(run.stragglers).toEqual([]);
    expect(run.outcomes.length).toBeGreaterThan(0);
    expect(run.outcomes.filter((outcome) => outcome.state !== "pass")).toEqual([]);
    const score = scoreLab(chapter, run);
    expect(score.complete).toBe(true);
    expect(score.earned).toBe(score.possible);
  });

  it("fails every test on the untouched starter, and explains the first failure readably", async () => {
    const chapter = findChapter("00");
    const run = await runLab(chapter, { impl: "labs" });
    expect(run.compileError).toBeUndefined();
    expect(run.outcomes.length).toBeGreaterThan(0);
    expect(run.outcomes.filter((outcome) => outcome.state !== "fail")).toEqual([]);
    expect(new Set(run.outcomes.map((outcome) => outcome.task))).toEqual(new Set(["parseStat", "readStat"]));
    const first = firstFailure(run);
    expect(first?.name).toMatch(/^parseStat > /);
    expect(first?.file).toBe("labs/00-welcome/tests/stat.test.ts");
    expect(first?.message).toMatch(/^TODO: parseStat is not written yet\nat labs\/00-welcome\/stat\.ts:\d+:\d+$/);
    expect(scoreLab(chapter, run).earned).toBe(0);
  });
});

describe("labs that misbehave", () => {
  it("reports a test that never resolves as a timeout, with what it waited for, and finishes", async () => {
    const run = await runLab(fixtureChapter("never-resolves", ["waits"]), { impl: "labs", testsDir: fixtureLab("never-resolves") });
    expect(run.hung).toBeUndefined();
    expect(run.outcomes.map(({ name, task, state, message }) => ({ name, task, state, message }))).toEqual([
      { name: "waits > awaits lab code that never settles", task: "waits", state: "timeout", message: "the lab code never returned (vitest's 0.5 s limit)" },
      {
        name: "waits > waits through the test-kit, which names what it waited for",
        task: "waits",
        state: "timeout",
        message: "timed out after 300 ms waiting for the lab's reply",
      },
    ]);
  });

  it("stops a synchronous infinite loop as soon as the test process goes silent, names the test, leaves no process", async () => {
    const testsDir = fixtureLab("infinite-loop");
    const run = await runLab(fixtureChapter("infinite-loop", ["spins"]), { impl: "labs", testsDir, stallTimeoutMs: 2_000 });
    expect(run.hung).toContain('"spins > never gives control back"');
    expect(run.hung).toMatch(/synchronous loop/);
    // A result that vitest's worker had not yet sent (it batches them, every 100 ms) dies with the
    // worker; the grader never takes a result from the worker's own trace (the lab could forge it).
    const before = run.outcomes[0];
    expect(before?.state === "pass" || (before?.state === "skip" && /never reached the grader/.test(before.message ?? ""))).toBe(true);
    expect(run.outcomes.map(({ name, state }) => ({ name, state })).slice(1)).toEqual([
      { name: "spins > never gives control back", state: "timeout" },
      { name: "spins > comes after the loop", state: "skip" },
    ]);
    expect(processesOfRun(testsDir)).toEqual([]);
  });

  it("stops a run at the lab's time limit, and leaves no process", async () => {
    const testsDir = fixtureLab("infinite-loop");
    const run = await runLab(fixtureChapter("infinite-loop", ["spins"]), { impl: "labs", testsDir, wallTimeoutMs: 8_000, stallTimeoutMs: 600_000 });
    expect(run.hung).toMatch(/8 s time limit/);
    expect(run.outcomes.find((outcome) => outcome.name === "spins > comes after the loop")?.state).not.toBe("pass");
    expect(processesOfRun(testsDir)).toEqual([]);
  });

  it("reports a syntax error with file and line, fails that file's tests, and still grades the rest", async () => {
    const run = await runLab(fixtureChapter("syntax-error", ["answers", "counts"]), { impl: "labs", testsDir: fixtureLab("syntax-error") });
    expect(run.compileError).toMatch(/uses-broken\.test\.ts did not load/);
    expect(run.compileError).toMatch(/syntax-error\/broken\.ts:3:\d+/);
    expect(run.outcomes.map(({ name, task, state }) => ({ name, task, state }))).toEqual([
      { name: "counts > adds", task: "counts", state: "pass" },
      { name: "answers > (every test in uses-broken.test.ts)", task: "answers", state: "fail" },
    ]);
    // The next lab is graded as usual.
    const next = await runLab(findChapter("00"), { impl: "solutions" });
    expect(next.compileError).toBeUndefined();
    expect(next.outcomes.every((outcome) => outcome.state === "pass")).toBe(true);
  });

  it("kills and names a process a test left running, and fails the test it was born in", async () => {
    const chapter = fixtureChapter("straggler", ["leaves"]);
    const run = await runLab(chapter, { impl: "labs", testsDir: fixtureLab("straggler") });
    expect(run.containment.kind).toBe("subreaper");
    expect(run.stragglers).toHaveLength(1);
    const [straggler] = run.stragglers;
    expect(straggler?.command).toContain("straggler-fixture");
    expect(straggler?.bornDuring).toEqual([expect.stringMatching(/leaves > starts a process and forgets it$/)]);
    expect(isAlive(straggler?.pid ?? 0)).toBe(false);
    expect(run.outcomes.map(({ state, message }) => ({ state, message }))).toEqual([
      { state: "fail", message: expect.stringMatching(/^It left process \d+ running: .*straggler-fixture.*the grader killed it\.$/) },
    ]);
    expect(scoreLab(chapter, run).complete).toBe(false);
  });
});

describe("npm run grade", () => {
  const grade = (...args: string[]) =>
    spawnSync(process.execPath, [...tsNodeArgs, "course/cli/grade.ts", ...args], { cwd: courseRoot, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

  it("prints the task table, the first failure and the hint command, writes the report, exits 1", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "grade-report-"));
    try {
      const reportFile = path.join(dir, "report.json");
      const result = grade("00", "--json", reportFile);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/✗ Parse a \/proc\/<pid>\/stat line\s+0\/4\s+0\/6/);
      expect(result.stdout).toMatch(/First failure: parseStat > /);
      expect(result.stdout).toContain("npm run hint -- 00");
      const report = JSON.parse(readFileSync(reportFile, "utf8")) as GradeReport;
      expect(report.labs.map((lab) => lab.lab)).toEqual(["00-welcome"]);
      expect(report.labs[0]?.tests.every((test) => test.state === "fail" && test.taskPoints > 0)).toBe(true);
      expect(report.totals).toMatchObject({ earned: 0, possible: 10, passed: 0, allPassed: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses an unknown lab with the list of labs, exit 2", () => {
    const result = grade("no-such-lab");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('There is no lab called "no-such-lab"');
    expect(result.stderr).toContain("00-welcome");
  });
});
