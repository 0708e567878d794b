// The headless runner and the course kernel, end to end on small notebooks.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOT_YET } from "../notebook-kit";
import { runNotebook, type CellFailure, type RunOptions } from "../runner/execute";
import { removeStaleFolders } from "../runner/stale-folders";
import type { Cell, ErrorOutput, Notebook } from "../runner/nbformat";
import { isAlive, pidsWithEnv, signalQuietly, waitUntil } from "../foundation/processes";
import { courseRoot } from "../foundation/layout";
import { tsNodeArgs } from "../foundation/run-typescript";
import { runCourseCommand } from "./helpers/course-command";

const FIXTURES = path.join(courseRoot, "course", "tests", "fixtures", "runner");
const NOTEBOOKS_CLI = path.join(courseRoot, "course", "cli", "notebooks.ts");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "course-runner-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeNotebook(name: string, sources: string[]): string {
  const notebook: Notebook = {
    cells: sources.map((source, i) => ({ cell_type: "code", id: `c${i}`, source, metadata: {}, outputs: [], execution_count: null })),
    metadata: { kernelspec: { name: "unix-ipc-ts" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(notebook));
  return file;
}

/** Run with a marker in the environment, so we can prove no kernel survives. */
async function runMarked(file: string, cellTimeoutMs = 60_000, options: RunOptions = {}) {
  const mark = randomBytes(6).toString("hex");
  process.env.COURSE_RUNNER_TEST = mark;
  try {
    const run = await runNotebook(file, { cellTimeoutMs, outputDir: dir, ...options });
    const executed = JSON.parse(readFileSync(run.executedCopy, "utf8")) as Notebook;
    return { run, executed, survivors: pidsWithEnv("COURSE_RUNNER_TEST", mark) };
  } finally {
    delete process.env.COURSE_RUNNER_TEST;
  }
}

/**
 * One ordinary kernel session for the tests that only read what their own cells produced: a kernel
 * start costs about 2 s of CPU, and six such tests need only one. Each test owns a section of this
 * notebook, run in this order; the runner runs on after a failing cell (the first test checks it),
 * so no section can stop another. The errors come first, so their cell numbers are the notebook's
 * own. The burst comes last: its 20,000 lines could only spill into the cell after it, its own check.
 * (Tests of the kernel's life and death, isolation or the CLI each start their own kernel.)
 */
const SHARED = {
  errors: ["const ok = 1;", "const wrong: number = 'text';", "throw new RangeError('boom in cell 3');", "console.log('cell 4 ran');"],
  display: ['import * as tslab from "tslab";\ntslab.display.svg("<svg xmlns=\'http://www.w3.org/2000/svg\'></svg>");'],
  errorMessage: ["function inner(): never { throw new RangeError('out of range'); }\ninner();"],
  // fs.mkdtempDisposableSync is in Node 24's types, not in Node 20's: a cell calling it must not compile.
  nodeTypes: ['import * as fs from "node:fs";\nconsole.log(typeof fs.mkdtempDisposableSync);'],
  result: ["console.log('first');", "6 * 7", "'text'"],
  // The kernel's own inotify watches: one line "inotify wd:..." per watch in its fds' fdinfo.
  watches: [
    'import * as fs from "node:fs";\nconst fdinfo = fs.readdirSync("/proc/self/fd").map((fd) => { try { return fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"); } catch { return ""; } });\nconsole.log(`inotify watches: ${fdinfo.join("").split("\\n").filter((line) => line.startsWith("inotify wd:")).length}`);',
  ],
  burst: ["for (let i = 0; i < 20000; i++) console.log(`line ${i}`);", "console.log('next cell');"],
};
type SectionName = keyof typeof SHARED;

/** One section's share of the shared run: its executed cells, and its failures numbered from its first cell. */
interface Section {
  /** The notebook position (1-based) of the section's first cell. */
  first: number;
  cells: Cell[];
  /** Failures at its cells, renumbered as if the section were the whole notebook, plus any of the notebook as a whole (cell 0). */
  failures: CellFailure[];
  /** Processes of the whole run (the kernel, what it started) still alive after it. */
  survivors: number[];
}

let sharedRun: ReturnType<typeof runMarked> | undefined;

/** The shared notebook's run, started by the first test that asks for it and awaited by the others. */
async function section(name: SectionName): Promise<Section> {
  const names = Object.keys(SHARED) as SectionName[];
  const allCells = names.flatMap((n) => SHARED[n]);
  sharedRun ??= runMarked(writeNotebook("shared.ipynb", allCells));
  const { run, executed, survivors } = await sharedRun;
  const offset = names.slice(0, names.indexOf(name)).reduce((cells, n) => cells + SHARED[n].length, 0);
  const count = SHARED[name].length;
  const ours = (f: CellFailure) => f.cell === 0 || (f.cell > offset && f.cell <= offset + count);
  return {
    first: offset + 1,
    cells: executed.cells.slice(offset, offset + count),
    failures: run.failures.filter(ours).map((f) => (f.cell === 0 ? f : { ...f, cell: f.cell - offset })),
    survivors,
  };
}

describe("headless runner", () => {
  it("delivers every line of a 20,000-line burst, then finishes the cell", async () => {
    const { first, cells, failures, survivors } = await section("burst");
    expect(failures).toEqual([]);
    const burst = cells[0]!.outputs!;
    expect(burst).toHaveLength(1); // merged into one stream output
    const lines = (burst[0] as { text: string }).text.trimEnd().split("\n");
    expect(lines).toHaveLength(20000);
    expect(lines.at(-1)).toBe("line 19999");
    expect(cells[1]!.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "next cell\n" }]);
    expect(cells.map((c) => c.execution_count)).toEqual([first, first + 1]); // In [n] is the cell's position
    expect(survivors).toEqual([]);
  });

  it("reports a failing cell by number with its stderr, and still runs the cells after it", async () => {
    const { first, cells, failures } = await section("errors");
    expect(first).toBe(1); // the notebook's first cells: these numbers are the runner's own
    expect(failures.map((f) => [f.cell, f.kind])).toEqual([
      [2, "error"],
      [3, "error"],
    ]);
    expect(failures[0]!.message).toMatch(/not assignable to type 'number'/);
    expect(failures[1]!.message).toMatch(/RangeError: boom in cell 3/);
    expect(cells[2]!.outputs!.some((o) => o.output_type === "error")).toBe(true);
    expect(cells[3]!.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "cell 4 ran\n" }]);
  });

  it("interrupts a cell over its time limit, reports it, and leaves no kernel running", async () => {
    const file = writeNotebook("hang.ipynb", ["console.log('before');", "while (true) {}", "console.log('never');"]);
    const { run, survivors } = await runMarked(file, 3_000);
    expect(run.failures).toHaveLength(1);
    expect(run.failures[0]).toMatchObject({ cell: 2, kind: "timeout" });
    expect(survivors).toEqual([]);
  });

  it("stores display data without the transient part", async () => {
    const { cells, failures } = await section("display");
    expect(failures).toEqual([]);
    const output = cells[0]!.outputs![0]!;
    expect(output).toMatchObject({ output_type: "display_data", data: { "image/svg+xml": expect.stringContaining("<svg") } });
    expect(output).not.toHaveProperty("transient");
  });

  it("runs from any working directory, with the kernel in the course root", async () => {
    const file = writeNotebook("cwd.ipynb", ['import { parseStat } from "./labs/00-welcome/stat";\nconsole.log(process.cwd(), typeof parseStat);']);
    const result = await notebooksCli([file], "notebooks.ts", os.tmpdir());
    expect(result.output).toMatch(/1 passed, 0 failed/);
    expect(result.status).toBe(0);
    const executed = JSON.parse(readFileSync(path.join(courseRoot, ".course", "notebooks", "cwd.ipynb"), "utf8")) as Notebook;
    expect(executed.cells[0]!.outputs).toEqual([{ output_type: "stream", name: "stdout", text: `${courseRoot} function\n` }]);
  });
});

/** Run `npm run notebooks` (or another command of the course) as a child; its output and exit status. */
async function notebooksCli(args: string[], cli = "notebooks.ts", cwd = courseRoot): Promise<{ status: number | null; output: string }> {
  const { code, out } = await runCourseCommand(courseRoot, cli, args, { cwd });
  return { status: code, output: out };
}

describe("the kernel speaks proper Jupyter", () => {
  it("sends a failing cell's error as ename, evalue and a traceback without tslab's frames", async () => {
    const { cells, failures } = await section("errorMessage");
    expect(failures.map((f) => f.kind)).toEqual(["error"]);
    const error = cells[0]!.outputs!.find((o) => o.output_type === "error") as ErrorOutput;
    expect(error).toMatchObject({ ename: "RangeError", evalue: "out of range" });
    expect(error.traceback[0]).toBe("RangeError: out of range");
    expect(error.traceback.join("\n")).toMatch(/at inner \(evalmachine/);
    expect(error.traceback.join("\n")).not.toMatch(/node_modules[\\/]tslab|node:vm|node:internal/);
    // tslab alone printed the error to stderr too; now it is only the error output.
    expect(cells[0]!.outputs!.filter((o) => o.output_type === "stream")).toEqual([]);
  });

  it("compiles cells against Node 20's types only, not @types/node24's (the newest-Node type check's)", async () => {
    const { failures } = await section("nodeTypes"); // its cell calls fs.mkdtempDisposableSync (Node 24's types only)
    expect(failures).toEqual([{ cell: 1, kind: "error", message: expect.stringMatching(/'mkdtempDisposableSync' does not exist/) }]);
  });

  it("watches the files it compiled, not every folder under node_modules (about 1,400 inotify watches before)", async () => {
    const { cells, failures } = await section("watches");
    expect(failures).toEqual([]);
    const printed = (cells[0]!.outputs![0] as { text: string }).text;
    const watches = Number(/^inotify watches: (\d+)$/m.exec(printed)?.[1]);
    expect(watches, printed).toBeGreaterThan(0); // the compiled files are watched: an edited lab module is seen
    expect(watches, printed).toBeLessThan(400);
  });

  it("shows a cell's last expression as its result, Out[n], not as printed text", async () => {
    const { first, cells, failures } = await section("result");
    expect(failures).toEqual([]);
    // n counts the kernel's runs: every cell before ran once, so it is the cell's position.
    expect(cells[1]!.outputs).toEqual([{ output_type: "execute_result", data: { "text/plain": "42" }, metadata: {}, execution_count: first + 1 }]);
    expect(cells[2]!.outputs).toEqual([{ output_type: "execute_result", data: { "text/plain": "'text'" }, metadata: {}, execution_count: first + 2 }]);
  });
});

describe("nothing a notebook does escapes the runner", () => {
  it("reports a kernel that exits as 'kernel died (exit code 3)' at the cell that killed it, at once", async () => {
    const file = writeNotebook("exit.ipynb", ["console.log('alive');", "process.exit(3);", "console.log('never');"]);
    // The cell limit is far above the test's own: waiting for it would fail the test.
    const { run, executed, survivors } = await runMarked(file, 600_000);
    expect(run.failures).toEqual([{ cell: 2, kind: "kernel died", message: expect.stringMatching(/^kernel died \(exit code 3\) while running this cell/) }]);
    expect(executed.cells[2]!.execution_count).toBeNull();
    expect(survivors).toEqual([]);
  }, 60_000);

  it("names a kernel killed by a signal", async () => {
    const file = writeNotebook("sigkill.ipynb", ["process.kill(process.pid, 'SIGKILL');"]);
    const { run } = await runMarked(file, 600_000);
    expect(run.failures).toEqual([{ cell: 1, kind: "kernel died", message: expect.stringMatching(/^kernel died \(signal SIGKILL\)/) }]);
  }, 60_000);

  it("finds a process a cell detached (setsid, empty environment), names it with its cell, kills it, and fails the run", async () => {
    const file = writeNotebook("detached.ipynb", [
      "console.log('nothing yet');",
      // detached: true is setsid() in the child. (Not the setsid program: already a group leader
      // here, it would fork the sleep after the cell had ended, and the sleep would be blamed on the next cell.)
      "import { spawn } from 'node:child_process';\nconst child = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore', env: {} });\nchild.unref();\nconsole.log(child.pid);",
      "console.log('after');",
    ]);
    const { run, executed } = await runMarked(file);
    const pid = Number((executed.cells[1]!.outputs![0] as { text: string }).text.trim());
    expect(run.leftovers.map((l) => [l.command, l.cell])).toEqual([["sleep 1000", 2]]);
    expect(run.failures).toEqual([{ cell: 2, kind: "left a process running", message: expect.stringContaining("sleep 1000") }]);
    expect(run.sweep).toMatch(/subreaper/);
    expect(isAlive(pid)).toBe(false);
  });

  it("gives every run its own scratch folder (COURSE_SCRATCH) and removes it, even after a timeout", async () => {
    const file = writeNotebook("scratch.ipynb", [
      "import { writeFileSync } from 'node:fs';\nwriteFileSync(process.env.COURSE_SCRATCH + '/left.txt', 'x');\nconsole.log(process.env.COURSE_SCRATCH);",
      "while (true) {}",
    ]);
    const { run, executed, survivors } = await runMarked(file, 3_000);
    const scratch = (executed.cells[0]!.outputs![0] as { text: string }).text.trim();
    expect(scratch).toMatch(/course-notebook-\d+-scratch-/);
    expect(run.failures.map((f) => f.kind)).toEqual(["timeout"]);
    expect(existsSync(scratch)).toBe(false);
    expect(survivors).toEqual([]);
  });

  it("refuses a kernel whose replies are not signed with the connection key", async () => {
    const file = writeNotebook("impostor.ipynb", ["console.log('never runs');"]);
    const { run, survivors } = await runMarked(file, 60_000, { kernelCommand: [process.execPath, path.join(FIXTURES, "wrong-key-kernel.cjs")] });
    expect(run.failures).toEqual([{ cell: 0, kind: "kernel", message: expect.stringMatching(/bad signature/) }]);
    expect(survivors).toEqual([]);
  }, 60_000);

  it("kills the kernel's group when the runner gets Ctrl-C (SIGINT), and removes its folders", async () => {
    const ready = path.join(dir, "sigint-ready.txt");
    const file = writeNotebook("sigint.ipynb", [
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(ready)}, process.env.COURSE_SCRATCH ?? '');`,
      "await new Promise(() => {});",
    ]);
    const mark = randomBytes(6).toString("hex");
    // As a terminal would run it: its own process group, which Ctrl-C signals whole.
    const runner = spawn(process.execPath, [...tsNodeArgs, NOTEBOOKS_CLI, file], {
      cwd: courseRoot,
      detached: true,
      stdio: "ignore",
      env: { ...process.env, COURSE_RUNNER_TEST: mark },
    });
    const exited = new Promise<number | null>((resolve) => runner.once("exit", (code) => resolve(code)));
    try {
      expect(await waitUntil(() => existsSync(ready) && readFileSync(ready, "utf8") !== "", 60_000)).toBe(true);
      const scratch = readFileSync(ready, "utf8");
      expect(existsSync(scratch)).toBe(true);
      expect(pidsWithEnv("COURSE_RUNNER_TEST", mark).length).toBeGreaterThan(1); // the runner and the kernel
      signalQuietly(-runner.pid!, "SIGINT");
      expect(await exited).toBe(130);
      expect(await waitUntil(() => pidsWithEnv("COURSE_RUNNER_TEST", mark).length === 0, 5_000)).toBe(true);
      expect(existsSync(scratch)).toBe(false);
    } finally {
      for (const pid of pidsWithEnv("COURSE_RUNNER_TEST", mark)) signalQuietly(pid, "SIGKILL");
    }
  }, 90_000);

  it("a kernel whose runner is SIGKILLed notices its parent is gone and exits with its group", async () => {
    const ready = path.join(dir, "sigkill-ready.txt");
    const file = writeNotebook("orphaned.ipynb", [
      `import { spawn } from 'node:child_process';\nimport { writeFileSync } from 'node:fs';\nspawn('sleep', ['1000'], { stdio: 'ignore' });\nwriteFileSync(${JSON.stringify(ready)}, process.env.COURSE_SCRATCH ?? '');`,
      "await new Promise(() => {});",
    ]);
    const mark = randomBytes(6).toString("hex");
    const runner = spawn(process.execPath, [...tsNodeArgs, NOTEBOOKS_CLI, file], {
      cwd: courseRoot,
      detached: true,
      stdio: "ignore",
      env: { ...process.env, COURSE_RUNNER_TEST: mark },
    });
    try {
      expect(await waitUntil(() => existsSync(ready) && readFileSync(ready, "utf8") !== "", 60_000)).toBe(true);
      const scratch = readFileSync(ready, "utf8");
      signalQuietly(-runner.pid!, "SIGKILL"); // the runner's group: not the kernel's, which only its poller can save us from
      expect(await waitUntil(() => pidsWithEnv("COURSE_RUNNER_TEST", mark).length === 0, 10_000)).toBe(true);
      // A SIGKILLed runner cannot remove its folders; the next run does.
      expect(existsSync(scratch)).toBe(true);
      expect(removeStaleFolders()).toContain(scratch);
      expect(existsSync(scratch)).toBe(false);
    } finally {
      for (const pid of pidsWithEnv("COURSE_RUNNER_TEST", mark)) signalQuietly(pid, "SIGKILL");
    }
  }, 90_000);

  it("a kernel started by Jupyter exits when the server named by JPY_PARENT_PID is gone", async () => {
    const server = spawn("sleep", ["1000"], { stdio: "ignore" }); // stands in for the Jupyter server
    const connection = path.join(dir, "jpy-connection.json");
    const zeroPorts = { shell_port: 0, iopub_port: 0, stdin_port: 0, control_port: 0, hb_port: 0 };
    writeFileSync(connection, JSON.stringify({ ip: "127.0.0.1", transport: "tcp", signature_scheme: "hmac-sha256", key: "k", ...zeroPorts }));
    const kernel = spawn(process.execPath, [path.join(courseRoot, "course", "kernel", "launch.cjs"), connection], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, JPY_PARENT_PID: String(server.pid) },
    });
    const exited = new Promise<void>((resolve) => kernel.once("exit", () => resolve()));
    try {
      // Bound and listening: it wrote the ports it chose back into the connection file.
      const bound = () => (JSON.parse(readFileSync(connection, "utf8")) as { shell_port: number }).shell_port > 0;
      expect(await waitUntil(bound, 60_000)).toBe(true);
      expect(isAlive(kernel.pid!)).toBe(true);
      server.kill("SIGKILL");
      expect(await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 10_000))])).toBe(true);
    } finally {
      signalQuietly(-kernel.pid!, "SIGKILL");
      server.kill("SIGKILL");
    }
  }, 90_000);

  it("starts the kernel without the tools COURSE_HIDE_TOOLS names, as on a learner's bare machine", async () => {
    const file = writeNotebook("hidden.ipynb", [
      'import { hasCommand } from "./course/notebook-kit/index";\nconsole.log(hasCommand("python3"), hasCommand("strace"), hasCommand("sh"));',
    ]);
    process.env.COURSE_HIDE_TOOLS = "python3,strace";
    try {
      const { run, executed } = await runMarked(file);
      expect(run.failures).toEqual([]);
      expect(executed.cells[0]!.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "false false true\n" }]);
    } finally {
      delete process.env.COURSE_HIDE_TOOLS;
    }
  });
});

describe("npm run notebooks", () => {
  it("reports a corrupt and an nbformat-3 notebook in a sentence each, and still runs the others", async () => {
    const good = writeNotebook("good.ipynb", ["console.log('fine');"]);
    const { status, output } = await notebooksCli([path.join(FIXTURES, "corrupt.ipynb"), path.join(FIXTURES, "nbformat3.ipynb"), good]);
    expect(output).toMatch(/corrupt\.ipynb: is not a readable notebook: its JSON is broken/);
    expect(output).toMatch(/nbformat3\.ipynb: is an nbformat 3 notebook .* Convert it: jupyter nbconvert --to notebook --nbformat 4/);
    expect(output).toMatch(/ok {4}.*good\.ipynb/);
    expect(output).toMatch(/notebooks: 1 passed, 2 failed/);
    expect(output).not.toMatch(/^\s+at /m); // no stack trace
    expect(status).toBe(1);
  });

  it("refuses an unknown option with the usage, and so does npm test", async () => {
    const notebooks = await notebooksCli(["--bogus"]);
    expect(notebooks.status).toBe(2);
    expect(notebooks.output).toMatch(/unknown option "--bogus"\nusage: npm run notebooks/);
    const check = await notebooksCli(["--no-notebook"], "test.ts");
    expect(check.status).toBe(2);
    expect(check.output).toMatch(/unknown option "--no-notebook"\nusage: npm test/);
  });

  it("--impl solutions runs the notebook with the solutions in labs/: no NOT_YET marker, the real course untouched", async () => {
    const file = writeNotebook("impl.ipynb", [
      'import { tryLab } from "./course/notebook-kit/index";\nimport { readStat } from "./labs/00-welcome/stat";\nawait tryLab("00-welcome", () => console.log("state", readStat("self").state), "the state of the kernel");',
    ]);
    const starters = await notebooksCli([file, "--impl", "labs"]);
    expect(starters.status).toBe(0);
    expect(readFileSync(path.join(courseRoot, ".course", "notebooks", "impl.ipynb"), "utf8")).toContain(NOT_YET);
    const solved = await notebooksCli([file, "--impl", "solutions"]);
    expect(solved.output).toMatch(/notebooks: 1 passed, 0 failed/);
    const executed = readFileSync(path.join(courseRoot, ".course", "notebooks-solutions", "impl.ipynb"), "utf8");
    expect(executed).not.toContain(NOT_YET);
    expect(executed).toMatch(/state R/);
    expect(readFileSync(path.join(courseRoot, "labs", "00-welcome", "stat.ts"), "utf8")).toContain("TODO");
  }, 120_000);

  it("fails a solutions run whose cell still prints the NOT_YET marker", async () => {
    const file = writeNotebook("not-yet.ipynb", [`console.log(${JSON.stringify(NOT_YET)} + " parseStat");`]);
    const { status, output } = await notebooksCli([file, "--impl", "solutions"]);
    expect(output).toMatch(/cell 1: forbidden output/);
    expect(status).toBe(1);
  }, 120_000);
});
