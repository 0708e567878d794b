// The learner's commands when things go wrong around them: a folder where a file was expected, a
// missing snapshot, a lab folder moved away while watching, a link out of the lab, Ctrl-D at a
// prompt, an unknown flag; and the instructor's clean-room grade. Each must end in a sentence
// that says what to do, never a stack trace.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCleanRoom } from "../grader/clean-room";
import type { GradeReport } from "../grader/report";
import { readAll, waitForExit } from "../testkit";
import { courseRoot } from "../foundation/layout";
import { tsNodeArgsOf } from "../foundation/run-typescript";
import { runCourseCommand, shellCommand } from "./helpers/course-command";

let scratch: string;
/** A fresh copy of the course (committed files, this course's lab files), for commands that change it. */
let copy: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "course-learner-cli-"));
  copy = buildCleanRoom(courseRoot).root;
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(copy, { recursive: true, force: true });
});

/** A command of the course at `root`, with no terminal. */
const run = (root: string, cli: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCourseCommand(root, cli, args, { env: { ...process.env, NO_COLOR: "1", ...env } });

/** A stack frame names an absolute path or Node's internals (the grader's own "at labs/x.ts:3:7" is not one). */
const noStack = (out: string): void => expect(out).not.toMatch(/^\s+at (.*[( ])?((file:\/\/)?\/|node:)[^\s]*:\d+:\d+\)?$/m);

describe("npm run grade", () => {
  it("refuses a folder as --json before grading anything", async () => {
    const { code, out } = await run(courseRoot, "grade.ts", ["00", "--json", scratch]);
    expect(code).toBe(2);
    expect(out).toMatch(/is a folder; give a file name for the report/);
    expect(out).not.toMatch(/00-welcome {2}Welcome/); // nothing was graded
    noStack(out);
  });

  it("warns loudly, every time, when course/lab-snapshot.json is missing", async () => {
    const snapshot = path.join(copy, "course", "lab-snapshot.json");
    const saved = readFileSync(snapshot);
    rmSync(snapshot);
    try {
      const { out } = await run(copy, "grade.ts", ["00", "--json", path.join(scratch, "r.json")]);
      expect(out).toMatch(/course\/lab-snapshot\.json is missing: the grader cannot tell whether the tests were changed/);
    } finally {
      writeFileSync(snapshot, saved);
    }
  });

  it("--clean-room grades the learner's lab files with the course's own tests, whatever theirs say", async () => {
    const learner = path.join(scratch, "learner");
    mkdirSync(path.join(learner, "labs", "00-welcome", "tests"), { recursive: true });
    writeFileSync(path.join(learner, "labs", "00-welcome", "stat.ts"), readFileSync(path.join(courseRoot, "labs", "00-welcome", "stat.ts")));
    // Their test file passes anything; the clean room uses the course's.
    writeFileSync(path.join(learner, "labs", "00-welcome", "tests", "stat.test.ts"), 'import { it } from "vitest";\nit("passes", () => {});\n');
    const report = path.join(scratch, "clean.json");
    const { code, out } = await run(courseRoot, "grade.ts", ["--clean-room", learner, "00", "--json", report]);
    expect(out).toMatch(/Clean room: the course as committed/);
    expect(code).toBe(1);
    const graded = JSON.parse(readFileSync(report, "utf8")) as GradeReport;
    expect(graded.totals).toMatchObject({ earned: 0, possible: 10, passed: 0 });
    expect(graded.labs[0]?.modifiedTests).toEqual([]);
  });
});

describe("the clean room", () => {
  it("copies no file of the learner's through a link to a folder, on any Node (24 lists what is behind one)", () => {
    const learner = path.join(scratch, "linking-learner");
    const elsewhere = path.join(scratch, "elsewhere");
    mkdirSync(path.join(learner, "labs", "00-welcome"), { recursive: true });
    mkdirSync(elsewhere, { recursive: true });
    writeFileSync(path.join(elsewhere, "secret.ts"), "export const secret = 1;\n");
    writeFileSync(path.join(learner, "labs", "00-welcome", "stat.ts"), readFileSync(path.join(courseRoot, "labs", "00-welcome", "stat.ts")));
    symlinkSync(elsewhere, path.join(learner, "labs", "00-welcome", "linked"));
    const room = buildCleanRoom(learner);
    try {
      expect(room.skipped).toContain("labs/00-welcome/linked: a symbolic link; not copied");
      expect(existsSync(path.join(room.root, "labs", "00-welcome", "linked"))).toBe(false);
      expect(existsSync(path.join(room.root, "labs", "00-welcome", "stat.ts"))).toBe(true);
    } finally {
      rmSync(room.root, { recursive: true, force: true });
    }
  });
});

describe("npm run watch", () => {
  it("stops with exit code 1 and says so when the lab folder is moved away", async () => {
    const watcher = spawn(process.execPath, [...tsNodeArgsOf(copy), "course/cli/watch.ts", "00"], {
      cwd: copy,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = readAll(watcher.stdout, "watch's output", 120_000);
    const errors = readAll(watcher.stderr, "watch's errors", 120_000);
    const lab = path.join(copy, "labs", "00-welcome");
    // Move the folder once the first grade is shown.
    await new Promise<void>((resolve) => {
      let seen = "";
      watcher.stdout.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes("Save a file in")) resolve();
      });
    });
    renameSync(lab, `${lab}-moved`);
    try {
      const exit = await waitForExit(watcher, "watch to stop", 30_000);
      expect(exit.code).toBe(1);
      expect(await errors).toMatch(/labs\/00-welcome was moved or deleted, so there is nothing left to watch/);
      noStack(`${await output}${await errors}`);
    } finally {
      renameSync(`${lab}-moved`, lab);
    }
  });
});

describe("npm run reset", () => {
  it("refuses to write through a symbolic link out of the lab", async () => {
    const starter = path.join(copy, "labs", "00-welcome", "stat.ts");
    const outside = path.join(scratch, "outside.ts");
    writeFileSync(outside, "not the course's\n");
    const saved = readFileSync(starter);
    rmSync(starter);
    symlinkSync(outside, starter);
    try {
      const { code, out } = await run(copy, "reset.ts", ["00", "--yes"]);
      expect(code).toBe(1);
      expect(out).toMatch(/stat\.ts is a symbolic link .*reset does not follow links/);
      expect(readFileSync(outside, "utf8")).toBe("not the course's\n");
      noStack(out);
    } finally {
      rmSync(starter);
      writeFileSync(starter, saved);
    }
  });

  it.runIf(spawnSync("script", ["--version"]).status === 0)("takes Ctrl-D at its question as no, without a stack trace", async () => {
    const starter = path.join(copy, "labs", "00-welcome", "stat.ts");
    const saved = readFileSync(starter, "utf8");
    writeFileSync(starter, `${saved}\n// work in progress\n`);
    try {
      // script(1) gives reset the terminal it asks on.
      const command = shellCommand([process.execPath, ...tsNodeArgsOf(copy), "course/cli/reset.ts", "00"]);
      const session = spawn("script", ["-qfec", command, "/dev/null"], { cwd: copy, stdio: ["pipe", "pipe", "pipe"] });
      const out = readAll(session.stdout, "reset's output", 60_000);
      await new Promise<void>((resolve) => {
        let seen = "";
        session.stdout.on("data", (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes("Type 'yes' to continue")) resolve();
        });
      });
      session.stdin.write("\u0004");
      const exit = await waitForExit(session, "reset to finish", 30_000);
      expect(exit.code).toBe(1);
      expect(await out).toMatch(/Nothing changed\./);
      noStack(await out);
      expect(readFileSync(starter, "utf8")).toBe(`${saved}\n// work in progress\n`);
    } finally {
      writeFileSync(starter, saved);
    }
  });
});

describe("npm run kernel:install", () => {
  it("refuses an unknown flag and installs nothing", async () => {
    const dataDir = path.join(scratch, "jupyter-data");
    const { code, out } = await run(courseRoot, "install-kernel.ts", ["--bogus"], { JUPYTER_DATA_DIR: dataDir });
    expect(code).toBe(2);
    expect(out).toMatch(/Unknown option '--bogus'/);
    expect(existsSync(dataDir)).toBe(false);
    noStack(out);
  });
});
