// Watch mode's grading (course/grader/warm-lab.ts): one warm vitest grades every save, with the
// verdicts of a cold `npm run grade`. A save must be graded as saved, a lab that hangs or leaves a
// process must still be stopped and named, and the grade after it must be right, on a warm vitest
// that the broken run could not spoil.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { courseRoot } from "../foundation/layout";
import { tsNodeArgsOf } from "../foundation/run-typescript";
import { WarmGrader, type WarmRunOptions } from "../grader/warm-lab";
import type { LabRun } from "../grader/run-lab";
import { TESTS_DIR_VARIABLE } from "../grader/run-env";
import { isAlive, pidsWithEnv, processEntry, waitFor, waitForExit } from "../testkit";
import { commandOf } from "../foundation/proc";
import { fixtureChapter, fixtureLab, removeFixtureLabs } from "./helpers/fixture-labs";

afterAll(removeFixtureLabs);

const chapter = fixtureChapter("warm", ["answers"]);
/** The warm fixture lab's grader, as watch uses one: each run grades the fixture. */
interface WarmFixtureLab {
  run: (options?: WarmRunOptions) => Promise<LabRun>;
  readonly vitestPid: number | undefined;
  close: () => Promise<void>;
}

const graders: WarmGrader[] = [];
afterEach(async () => {
  for (const grader of graders.splice(0)) await grader.close();
});

/** A fresh copy of the fixture, and a warm grader over it; `save` writes a new answer.ts. */
function warmFixture(): { lab: WarmFixtureLab; testsDir: string; save: (body: string, imports?: string) => void } {
  const testsDir = fixtureLab("warm");
  const file = path.join(courseRoot, testsDir, "..", "answer.ts");
  const grader = new WarmGrader("labs", testsDir);
  graders.push(grader);
  const lab: WarmFixtureLab = {
    run: (options = {}) => grader.run(chapter, { testsDir, ...options }),
    get vitestPid() {
      return grader.vitestPid;
    },
    close: () => grader.close(),
  };
  const save = (body: string, imports = ""): void => writeFileSync(file, `${imports}export function answer(): number {\n${body}\n}\n`);
  return { lab, testsDir, save };
}

const states = (run: { outcomes: { state: string }[] }): string[] => run.outcomes.map((outcome) => outcome.state);

/** Processes still running with this tests folder in their environment: the warm vitest's, and anything the lab started. */
const processesOf = (testsDir: string): number[] => pidsWithEnv(TESTS_DIR_VARIABLE, testsDir).filter(isAlive);

describe("watch mode: one warm vitest grades every save", () => {
  it("grades each save as saved, on the same warm vitest", async () => {
    const { lab, save } = warmFixture();
    save("return 41;");
    const first = await lab.run();
    expect(states(first)).toEqual(["fail"]);
    const warm = lab.vitestPid;
    expect(warm).toBeDefined();
    save("return 42;");
    expect(states(await lab.run())).toEqual(["pass"]);
    save("return 43;");
    expect(states(await lab.run())).toEqual(["fail"]);
    expect(lab.vitestPid).toBe(warm);
  });

  it("grades the last of two saves made in quick succession, even while a grade runs", async () => {
    const { lab, save } = warmFixture();
    save("return 41;");
    expect(states(await lab.run())).toEqual(["fail"]); // warm now, with 41 transformed
    save("return 43;");
    const during = lab.run();
    save("return 42;"); // saved again while the first save is being graded
    await during;
    expect(states(await lab.run())).toEqual(["pass"]);
  });

  it("replaces a warm vitest whose test process the lab ended, and grades the next save right", async () => {
    const { lab, save } = warmFixture();
    save("return 42;");
    await lab.run();
    save('process.kill(process.pid, "SIGKILL");\nreturn 42;');
    const crashed = await lab.run();
    expect(states(crashed)).not.toContain("pass");
    expect(crashed.hung).toMatch(/^a test process (died suddenly|lost its connection to vitest)/); // as vitest noticed it first
    expect(lab.vitestPid).toBeUndefined();
    save("return 42;");
    expect(states(await lab.run())).toEqual(["pass"]);
  });

  it("stops a lab that hangs, names it, and grades the next save on a fresh warm vitest", async () => {
    const { lab, testsDir, save } = warmFixture();
    save("return 42;");
    await lab.run();
    const spoiled = lab.vitestPid;
    // A loop that never ends, at the lowest priority: the grader notices the silence, not the
    // CPU use, and the loop takes no core from what runs beside it.
    save("setPriority(19);\nfor (;;) {}", 'import { setPriority } from "node:os";\n');
    const hung = await lab.run({ stallTimeoutMs: 2_000 });
    expect(states(hung)).toEqual(["timeout"]);
    expect(hung.hung).toMatch(/synchronous|stuck|loop/i);
    // Nothing of the stopped run is left: its warm vitest is gone with it.
    expect(lab.vitestPid).toBeUndefined();
    expect(spoiled !== undefined && isAlive(spoiled)).toBe(false);
    expect(processesOf(testsDir)).toEqual([]);
    save("return 42;");
    expect(states(await lab.run())).toEqual(["pass"]);
  });

  it("kills and names a process the lab left, fails its test, and keeps the warm vitest for the next save", async () => {
    const { lab, testsDir, save } = warmFixture();
    save("return 42;");
    await lab.run();
    const warm = lab.vitestPid;
    // Out of the test-kit's reach, as in the grader's straggler fixture: no test mark in its environment.
    save(
      [
        "const env = { ...process.env };",
        "delete env.COURSE_TEST_MARK;",
        'spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "warm-straggler"], { env, detached: true, stdio: "ignore" }).unref();',
        "return 42;",
      ].join("\n"),
      'import { spawn } from "node:child_process";\n',
    );
    const leaky = await lab.run();
    expect(leaky.stragglers.map((straggler) => straggler.command)).toEqual([expect.stringContaining("warm-straggler")]);
    expect(isAlive(leaky.stragglers[0]?.pid ?? 0)).toBe(false);
    expect(leaky.outcomes.map(({ state, message }) => ({ state, message }))).toEqual([
      { state: "fail", message: expect.stringMatching(/^It left process \d+ running: .*warm-straggler.*the grader killed it\.$/) },
    ]);
    // The sweep spared only the warm vitest and its own (a spare test process, esbuild): nothing of the lab's.
    // What is left: the guard (our child), the warm vitest, and its own children. (A spare test
    // process names itself "node (vitest 2)", so its command line no longer shows node_modules.)
    // A new spare test process first asks for the CPUs (tinypool: sh -c "cat /proc/cpuinfo | grep ...
    // | wc -l"): that shell, and each command of its pipeline, is vitest's too.
    const isProbe = (pid: number): boolean => commandOf(pid).includes("/proc/cpuinfo") && processEntry(processEntry(pid)?.ppid ?? 0)?.ppid === lab.vitestPid;
    const inProbe = (pid: number): boolean => isProbe(pid) || isProbe(processEntry(pid)?.ppid ?? 0);
    const infrastructure = (pid: number): boolean => {
      const parent = processEntry(pid)?.ppid;
      return pid === lab.vitestPid || parent === process.pid || parent === lab.vitestPid || inProbe(pid) || commandOf(pid).includes("/node_modules/");
    };
    // Named first, then asked whether alive: a process of vitest's may exit between the looks (a
    // spare test process, a command of the probe), and then it is not left running. One whose
    // command line is already gone was exiting (the grader's sweep counts it so too).
    const leftover = processesOf(testsDir)
      .filter((pid) => !infrastructure(pid))
      .map((pid) => ({ pid, parent: processEntry(pid)?.ppid, command: commandOf(pid) }))
      .filter(({ pid, command }) => command !== "" && isAlive(pid));
    expect(leftover.map(({ pid, parent, command }) => `${pid} (parent ${parent}): ${command}`)).toEqual([]);
    expect(lab.vitestPid).toBe(warm);
    save("return 42;");
    const clean = await lab.run();
    expect(states(clean)).toEqual(["pass"]);
    expect(clean.stragglers).toEqual([]);
  });

  it("leaves nothing running once closed", async () => {
    const { lab, testsDir, save } = warmFixture();
    save("return 42;");
    await lab.run();
    expect(processesOf(testsDir).length).toBeGreaterThan(0);
    await lab.close();
    expect(processesOf(testsDir)).toEqual([]);
  });
});

describe("npm run watch", () => {
  /** A copy of the course as it is now (node_modules linked), for a watch that edits its labs. */
  function courseCopy(): string {
    const root = mkdtempSync(path.join(os.tmpdir(), "course-watch-"));
    for (const entry of ["course", "labs", "package.json", "tsconfig.json", "vitest.config.ts"]) {
      cpSync(path.join(courseRoot, entry), path.join(root, entry), { recursive: true });
    }
    symlinkSync(path.join(courseRoot, "node_modules"), path.join(root, "node_modules"));
    return root;
  }

  it("grades the last of two saves made in quick succession, the second made while the first is graded", async () => {
    const root = courseCopy();
    const lab = path.join(root, "labs", "00-welcome", "stat.ts");
    const solution = readFileSync(path.join(courseRoot, "solutions", "00-welcome", "stat.ts"), "utf8");
    const watcher = spawn(process.execPath, [...tsNodeArgsOf(root), "course/cli/watch.ts", "00"], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    watcher.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    watcher.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const count = (text: string): number => output.split(text).length - 1;
    try {
      await waitFor("the first grade (the untouched starter)", () => count("Graded at") === 1, { timeoutMs: 120_000 });
      expect(output).toMatch(/0\/10 points/);
      // The first save is wrong, says when its grade has read it, and keeps that grade busy for
      // 2 s (a synchronous sleep: it holds the test process as a loop would, without the CPU):
      // the second save lands after it was read and while it is being graded.
      const loaded = path.join(root, "first-save-loaded");
      const firstSave = [
        'import { writeFileSync as markLoaded } from "node:fs";',
        `markLoaded(${JSON.stringify(loaded)}, "");`,
        "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2_000);",
        solution.replace(/return/, 'throw new Error("a bug saved first"); return'),
      ].join("\n");
      writeFileSync(lab, firstSave);
      await waitFor("the grade of the first save to read it", () => existsSync(loaded), { timeoutMs: 60_000 });
      writeFileSync(lab, solution);
      // Had the second save been lost, no screen would ever pass. (Its grade may start only once
      // the first one has ended: then the last complete screen is the second save's.)
      const lastScreen = (): string => output.split("grading 00-welcome").at(-1) ?? "";
      await waitFor("a finished grade of the second save, with every test passing", () => /10\/10 points[^]*Graded at/.test(lastScreen()), {
        timeoutMs: 60_000,
      });
    } finally {
      watcher.kill("SIGTERM");
      await waitForExit(watcher, "watch to quit on SIGTERM", 30_000);
      rmSync(root, { recursive: true, force: true });
      try {
        process.kill(-(watcher.pid ?? 0), "SIGKILL"); // anything of its group, had it not cleaned up
      } catch {
        // The group is gone, as it should be.
      }
    }
    // It stopped its warm vitest, and everything that ran the lab, when it quit.
    expect(pidsWithEnv(TESTS_DIR_VARIABLE, "labs/00-welcome/tests").filter((pid) => isAlive(pid) && commandOf(pid).includes(root))).toEqual([]);
  });
});
