// The learner-facing commands, run as a learner runs them: exit codes and messages.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseJUnit } from "junit2json";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chapters } from "../manifest";
import { formatHint } from "../cli/lib/hints";
import { courseRoot } from "../foundation/layout";
import { tsNodeArgs } from "../foundation/run-typescript";
import { runCourseCommand, shellCommand } from "./helpers/course-command";

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "course-cli-test-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A command of this course, with no terminal (like CI). */
const run = (cli: string, args: string[], env: NodeJS.ProcessEnv = process.env) => runCourseCommand(courseRoot, cli, args, { env });

describe("npm start", () => {
  it("without Jupyter, says how to install it and points to the headless runner", async () => {
    const bin = mkdtempSync(path.join(scratch, "bin-")); // a PATH with node and nothing else
    symlinkSync(process.execPath, path.join(bin, "node"));
    const { code, out } = await run("start.ts", [], { ...process.env, PATH: bin });
    expect(code).toBe(1);
    expect(out).toMatch(/Jupyter is not installed/);
    expect(out).toMatch(/apt install jupyter-notebook/);
    expect(out).toMatch(/pipx install jupyterlab/);
    expect(out).toMatch(/npm run notebooks -- 00/);
  });
});

describe("npm run hint", () => {
  it("prints hint n of a task named by id or number, and refuses a number out of range with the valid range", async () => {
    const ok = await run("hint.ts", ["00", "parseStat", "2"]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^Hint 2 of 3 for 00-welcome, task parseStat: Parse a \/proc\/<pid>\/stat line/);
    const byNumber = await run("hint.ts", ["00", "2", "1"]);
    expect(byNumber.code).toBe(0);
    expect(byNumber.out).toMatch(/^Hint 1 of 3 for 00-welcome, task readStat:/);
    const bad = await run("hint.ts", ["00", "parseStat", "9"]);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/task parseStat of lab 00-welcome has hints 1 to 3/i);
  });

  it("names the tasks when the task is unknown, and the labs when the lab is", async () => {
    const task = await run("hint.ts", ["00", "parse"]);
    expect(task.code).toBe(2);
    expect(task.out).toMatch(/no task called "parse"/);
    expect(task.out).toMatch(/1 {2}parseStat\s+Parse a stat line\n {2}2 {2}readStat/);
    const { code, out } = await run("hint.ts", ["42"]);
    expect(code).toBe(2);
    expect(out).toMatch(/no lab called "42"/);
    expect(out).toMatch(/00-welcome/);
  });

  it("every task of every lab has hints that fit 80 columns when printed", () => {
    for (const chapter of chapters) {
      for (const task of chapter.lab.tasks) {
        task.hints.forEach((_, i) => {
          const text = formatHint(chapter, { task, n: i + 1, total: task.hints.length, text: task.hints[i] ?? "" }, 80);
          for (const line of text.split("\n")) expect(line.length, `${chapter.number} ${task.id} hint ${i + 1}: ${line}`).toBeLessThanOrEqual(80);
        });
      }
    }
  });
});

describe("npm run grade", () => {
  it("--task runs one task's tests (by number too) and writes them as JUnit XML", async () => {
    const junit = path.join(scratch, "junit.xml");
    const { code, out } = await run("grade.ts", ["00", "--task", "2", "--junit", junit], { ...process.env, NO_COLOR: "1" });
    expect(code).toBe(1);
    expect(out).toMatch(/✗ Read a live process's stat\s+0\/4\s+0\/4\n\s+task readStat only\s+0\/4\s+0\/4/);
    expect(out).not.toMatch(/Parse a stat line|parseStat >/);
    expect(out).toContain("Only task readStat ran.");
    const parsed = (await parseJUnit(readFileSync(junit, "utf8"))) as { testsuite?: { testcase?: { classname?: string; failure?: unknown[] }[] }[] };
    const cases = parsed.testsuite?.[0]?.testcase ?? [];
    expect(cases.map((c) => c.classname)).toEqual(["readStat", "readStat", "readStat", "readStat"]);
    expect(cases.every((c) => (c.failure?.length ?? 0) === 1)).toBe(true);
  });

  it("refuses an unknown task with the lab's tasks, exit 2, before running anything", async () => {
    const { code, out } = await run("grade.ts", ["00", "--task", "parse"]);
    expect(code).toBe(2);
    expect(out).toMatch(/Lab 00-welcome has no task called "parse"\. Its tasks are:\n {2}1 {2}parseStat .*\n {2}2 {2}readStat/);
    expect(out).not.toMatch(/grading|Total/);
  });
});

describe("npm run watch", () => {
  it("in a terminal, h shows the failing task's next hint and l the labs with their points, in place of each other", async () => {
    // `script` gives watch a terminal (a pty), so that its keys work; what we type goes through it.
    const command = shellCommand([process.execPath, ...tsNodeArgs, path.join(courseRoot, "course", "cli", "watch.ts"), "00"]);
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      cwd: courseRoot,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    const waiters: { text: RegExp; from: number; resolve: () => void }[] = [];
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      for (const waiter of [...waiters]) {
        if (waiter.text.test(output.slice(waiter.from))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const sawAfter = (text: RegExp, from: number): Promise<void> =>
      new Promise((resolve, reject) => {
        if (text.test(output.slice(from))) return resolve();
        waiters.push({ text, from, resolve });
        void exited.then(() => reject(new Error(`watch exited before printing ${text}; it printed:\n${output}`)));
      });
    try {
      await sawAfter(/Keys: h hint/, 0);
      let from = output.length;
      child.stdin.write("h");
      await sawAfter(/Hint \d of 3 for 00-welcome, task parseStat[^]*Keys: h hint/, from);
      from = output.length;
      child.stdin.write("h");
      await sawAfter(/Hint \d of 3 for 00-welcome, task parseStat[^]*Keys: h hint/, from);
      from = output.length;
      child.stdin.write("l");
      await sawAfter(/Labs \(points[^]*Keys: h hint/, from);
      child.stdin.write("q");
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
    const screens = output
      .split("\u001b[2J\u001b[H")
      .slice(1)
      .map((screen) => screen.replace(/\r/g, ""));
    expect(screens.length).toBe(4); // the grade, two hints, the list: each drawn in place of the one before
    for (const screen of screens) {
      expect(screen).toContain("Stuck on parseStat? press h for a hint on parseStat");
      expect(screen.match(/^Hint \d of/gm)?.length ?? 0).toBeLessThanOrEqual(1);
      for (const line of screen.split("\n")) expect(line.length, line).toBeLessThanOrEqual(80);
    }
    expect(screens[1]).not.toBe(screens[2]);
    expect(screens[3]).not.toMatch(/^Hint /m);
    expect(screens[3]).toMatch(/^ {2}00-welcome +✗ +0\/10 points .* ← watching$/m);
    expect(output).not.toMatch(/npm run hint -- 00"?$/m);

    // The grade watch just made is remembered: a hint with no task is for the task that failed first.
    const hint = await run("hint.ts", ["00"]);
    expect(hint.code).toBe(0);
    expect(hint.out).toMatch(
      /^Task parseStat: the first task that failed in your last grade\.\n\n(Hint \d of 3 for 00-welcome, task parseStat|You have seen all 3 hints for task parseStat)/,
    );
  });
});

describe("npm run reset", () => {
  it("changes nothing without a terminal to ask on, unless --yes is given", async () => {
    const starter = path.join(courseRoot, "labs", "00-welcome", "stat.ts");
    const shipped = readFileSync(starter, "utf8");
    const learnersWork = `${shipped}\n// the learner's work in progress\n`;
    writeFileSync(starter, learnersWork);
    try {
      const { code, out } = await run("reset.ts", ["00"]);
      expect(code).not.toBe(0);
      expect(out).toMatch(/--yes/);
      expect(readFileSync(starter, "utf8")).toBe(learnersWork);
    } finally {
      writeFileSync(starter, shipped);
    }
  });
});

describe("npm run kernel:install", () => {
  it("installs a kernelspec with absolute paths for this user, and removes it again", async () => {
    const dataDir = path.join(scratch, "jupyter-data");
    const env = { ...process.env, JUPYTER_DATA_DIR: dataDir };
    expect((await run("install-kernel.ts", [], env)).code).toBe(0);
    const spec = JSON.parse(readFileSync(path.join(dataDir, "kernels", "unix-ipc-ts", "kernel.json"), "utf8")) as { argv: string[] };
    expect(spec.argv).toEqual([process.execPath, path.join(courseRoot, "course", "kernel", "launch.cjs"), "{connection_file}"]);
    expect((await run("install-kernel.ts", ["--uninstall"], env)).code).toBe(0);
    expect(existsSync(path.join(dataDir, "kernels", "unix-ipc-ts"))).toBe(false);
  });
});
