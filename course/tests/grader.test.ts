// The grader's own tests: it must grade the real lab 00 both ways, and survive
// labs that misbehave (fixture labs in course/tests/fixtures, see its README).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findChapter } from "../manifest";
import { isAlive, pidsWithEnv, tsNodeArgs, waitFor } from "../testkit";
import type { GradeReport } from "../grader/report";
import { runLab } from "../grader/run-lab";
import { TESTS_DIR_VARIABLE } from "../grader/run-env";
import { firstFailure, scoreLab } from "../grader/score";
import { fixtureChapter, fixtureLab, removeFixtureLabs } from "./helpers/fixture-labs";
import { courseRoot } from "../foundation/layout";
import { runCourseCommand } from "./helpers/course-command";

afterAll(removeFixtureLabs);

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
    const first = firstFailure(chapter, run);
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
    // On a very loaded machine vitest may not have reached the loop in 8 s: both are the time limit.
    expect(run.hung).toMatch(/8 s time limit|had not started after 8 s/);
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

describe("containment: nothing the lab does escapes the grader", () => {
  it("finds processes started with a cleaned environment, names them and the test, fails it, and kills them", async () => {
    const chapter = fixtureChapter("escapes", ["escapes"]);
    const run = await runLab(chapter, { impl: "labs", testsDir: fixtureLab("escapes") });
    expect(run.containment.kind).toBe("subreaper");
    expect(run.stragglers.map((s) => s.command).sort()).toEqual(["sleep 300", "sleep 301"]);
    for (const straggler of run.stragglers) {
      expect(straggler.bornDuring).toEqual([expect.stringMatching(/escapes > starts two sleeps/)]);
      expect(isAlive(straggler.pid)).toBe(false);
    }
    expect(run.outcomes).toHaveLength(1);
    expect(run.outcomes[0]?.state).toBe("fail");
    expect(run.outcomes[0]?.message).toMatch(/left process \d+ running: sleep 300/);
    expect(scoreLab(chapter, run).earned).toBe(0);
  });

  it("scores 0 for a lab that forges pass events into every file it can find", async () => {
    const chapter = fixtureChapter("forges-results", ["parse"]);
    const run = await runLab(chapter, { impl: "labs", testsDir: fixtureLab("forges-results") });
    expect(run.outcomes.map(({ name, state }) => ({ name, state }))).toEqual([
      { name: "parse > reads a field", state: "fail" },
      { name: "parse > reads another field", state: "fail" },
      { name: "(processes left running, started outside any test)", state: "fail" },
    ]);
    expect(run.outcomes[0]?.message).toMatch(/TODO: parseField is not written yet/);
    expect(run.outcomes[2]?.message).toMatch(/started while .*forges-results\/tests\/stat\.test\.ts was loading: by top-level code of a module it imports/);
    expect(run.stragglers.map((s) => s.command)).toEqual([expect.stringMatching(/node -e .*forger-fixture/)]);
    expect(scoreLab(chapter, run).earned).toBe(0);
  });

  it("says the lab killed the whole test run when it signals process group 0", async () => {
    const run = await runLab(fixtureChapter("kills-group", ["kills"]), { impl: "labs", testsDir: fixtureLab("kills-group") });
    expect(run.hung).toMatch(/^the whole test run was killed by SIGKILL while "kills > kills process group 0" \(.*\) was running\. .*process\.kill\(0, …\)/);
    const killer = run.outcomes.find((outcome) => outcome.name === "kills > kills process group 0");
    expect(killer?.state).toBe("fail");
    expect(killer?.message).toBe("not finished: the test run was killed by SIGKILL (see above)");
  });

  it("says a test process ran out of memory, not that a file failed to load", async () => {
    const run = await runLab(fixtureChapter("out-of-memory", ["grows"]), { impl: "labs", testsDir: fixtureLab("out-of-memory") });
    expect(run.compileError).toBeUndefined();
    // V8's last words reach vitest's output on a calm machine; when they are lost, the process
    // still left its heartbeat behind, the sign of a sudden death.
    expect(run.hung).toMatch(/^a test process (ran out of memory|died suddenly).* while "grows > allocates without end"/);
    expect(run.outcomes.map((outcome) => outcome.state)).toEqual(["fail"]);
    expect(run.outcomes[0]?.message).toMatch(/^no result: (a test process ran out of memory|its test process died suddenly)/);
  });

  it("says a test process lost vitest when the lab closed descriptors it never opened", async () => {
    const run = await runLab(fixtureChapter("closes-fds", ["closes"]), { impl: "labs", testsDir: fixtureLab("closes-fds") });
    expect(run.compileError).toBeUndefined();
    expect(run.hung).toMatch(/closed file descriptors it did not open/);
    expect(run.outcomes.map((outcome) => outcome.state)).toEqual(["fail"]);
  });

  it("does not call 50 MiB of console.log a synchronous loop", async () => {
    const run = await runLab(fixtureChapter("floods-console", ["floods"]), { impl: "labs", testsDir: fixtureLab("floods-console") });
    expect(run.hung ?? "").not.toMatch(/synchronous loop/);
    expect(run.outcomes.map((outcome) => outcome.state)).toEqual(["pass"]);
  });

  it("says a test past its own long limit was waiting, not looping, when the lab's time limit stops it", async () => {
    // 15 s: vitest must have reached the test by then, even on a machine with both cores busy.
    const run = await runLab(fixtureChapter("waits-past-limit", ["waits"]), { impl: "labs", testsDir: fixtureLab("waits-past-limit"), wallTimeoutMs: 15_000 });
    expect(run.hung).toMatch(/time limit/);
    expect(run.hung).not.toMatch(/synchronous loop/);
    expect(run.hung).toMatch(/still waiting/);
  });

  it("dies with the grader: SIGKILL the grader mid-run and the test run and its temp folder go too", async () => {
    const testsDir = fixtureLab("infinite-loop");
    const tmp = mkdtempSync(path.join(os.tmpdir(), "grader-killed-"));
    try {
      const grader = spawn(process.execPath, [...tsNodeArgs, "course/tests/helpers/grade-fixture.ts", testsDir, "spins"], {
        cwd: courseRoot,
        env: { ...process.env, TMPDIR: tmp },
        stdio: ["ignore", "pipe", "inherit"],
      });
      // Wait until the looping test runs (its trace says so), then kill the grader outright.
      const trace = await waitFor(
        "the fixture's loop to start",
        () => {
          const scratch = readdirSync(tmp).find((entry) => entry.startsWith("course-grade-"));
          const file = scratch && path.join(tmp, scratch, "trace", "trace.jsonl");
          return file && existsSync(file) && readFileSync(file, "utf8").includes("never gives control back") ? file : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(processesOfRun(testsDir).length).toBeGreaterThan(0);
      grader.kill("SIGKILL");
      await waitFor("every process of the run to be gone", () => processesOfRun(testsDir).length === 0, { timeoutMs: 15_000 });
      await waitFor("the run's temp folder to be removed", () => !existsSync(path.dirname(path.dirname(trace))), { timeoutMs: 15_000 });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe("npm run grade", () => {
  const grade = (...args: string[]) => runCourseCommand(courseRoot, "grade.ts", args, { env: { ...process.env, NO_COLOR: "1" } });

  it("prints the task table, every failure, the first in full and the task's hint command, writes the report, exits 1", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "grade-report-"));
    try {
      const reportFile = path.join(dir, "report.json");
      const result = await grade("00", "--json", reportFile);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(1);
      const report = JSON.parse(readFileSync(reportFile, "utf8")) as GradeReport;
      const tests = report.labs[0]?.tests ?? [];
      expect(tests.length, "the report lists every test of lab 00").toBeGreaterThan(0);
      const parseStatTests = tests.filter((test) => test.task === "parseStat").length;
      expect(result.stdout).toMatch(new RegExp(`✗ Parse a stat line\\s+0/${parseStatTests}\\s+0/6`));
      expect(result.stdout).toMatch(/First, in full: parseStat > /);
      expect(result.stdout.match(/^ {4}✗ (parseStat|readStat) > /gm)).toHaveLength(tests.length); // every failure, one line each
      expect(result.stdout).toContain("Stuck on parseStat? npm run hint -- 00 parseStat");
      expect(report.labs.map((lab) => lab.lab)).toEqual(["00-welcome"]);
      expect(report.labs[0]?.tests.every((test) => test.state === "fail" && test.taskPoints > 0)).toBe(true);
      expect(report.totals).toMatchObject({ earned: 0, possible: 10, passed: 0, allPassed: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses an unknown lab with the list of labs, exit 2", async () => {
    const result = await grade("no-such-lab");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('There is no lab called "no-such-lab"');
    expect(result.stderr).toContain("00-welcome");
  });
});
