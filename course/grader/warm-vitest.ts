// The warm vitest of `npm run watch`: started once per lab (under the guard, like `vitest run`),
// it keeps vitest's server, its transformed modules and a spare test process ready, and runs the
// lab's tests again each time the grader asks. That is what makes a save quick to grade: a cold
// `vitest run` spends most of a small lab's time starting up.
//
// Isolation is that of `vitest run`: every test file still runs in a fresh test process (the
// config's pool and isolation), the grader's reporter sends results over fd 3, the test trace
// and the heartbeat work as before, and the grader sweeps what each run left (warm-lab.ts).
//
// Commands come over fd 4 (COMMANDS_FD, a socket only the grader and this process hold), one
// JSON line per run: {"run": <number>, "testsDir": <folder>, "testNamePattern": <string> | null}:
// the tests of that folder (one lab's, within the folders this vitest was started for). Each run starts with
// the reporter's "run-start" line and ends with its "run-end" line on fd 3. When fd 4 closes,
// vitest closes and this process exits.
//
// Usage (by warm-lab.ts through the guard only): node --import <the course's loader> warm-vitest.ts <vitest config>
import { Socket } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { createVitest } from "vitest/node";
import { closeOnExec } from "../foundation/libc";
import { COMMANDS_FD } from "./run-env";
import { courseRoot } from "../foundation/layout";

interface RunCommand {
  run: number;
  testsDir: string;
  testNamePattern: string | null;
}

function parseCommand(line: string): RunCommand {
  const command = JSON.parse(line) as Partial<RunCommand>;
  if (typeof command.run !== "number" || typeof command.testsDir !== "string") throw new Error(`not a run command: ${line}`);
  return { run: command.run, testsDir: command.testsDir, testNamePattern: typeof command.testNamePattern === "string" ? command.testNamePattern : null };
}

const config = process.argv[2];
if (config === undefined) {
  process.stderr.write("warm-vitest.ts is started by the grader (course/grader/warm-lab.ts), not by hand\n");
  process.exit(2);
}

// Before any test process starts: none of them may hold the grader's commands.
closeOnExec(COMMANDS_FD);
const commands = new Socket({ fd: COMMANDS_FD, readable: true, writable: false });

const vitest = await createVitest("test", { config, watch: false });
await vitest.init(); // the reporters' onInit; no test runs yet

/** The course's machinery (the test-kit, the trace) and its dependencies: they do not change while a learner works. */
const unchanging = [path.join(courseRoot, "course") + "/", "/node_modules/"];

/**
 * Forget every module vite transformed from the learner's side of the course (the lab, its tests):
 * those files changed (that is why we run), and a test process must never get yesterday's code.
 * Re-transforming a lab's few small files costs milliseconds.
 */
function forgetTransforms(): void {
  for (const project of vitest.projects) {
    for (const [file, modules] of project.vite.moduleGraph.fileToModulesMap) {
      if (unchanging.some((part) => file.includes(part))) continue;
      for (const module of modules) project.vite.moduleGraph.invalidateModule(module);
    }
  }
}

async function run({ testsDir, testNamePattern }: RunCommand): Promise<void> {
  if (testNamePattern === null) vitest.resetGlobalTestNamePattern();
  else vitest.setGlobalTestNamePattern(testNamePattern);
  forgetTransforms();
  // Globbed again each time (a test file may have been added, or deleted), in this folder only.
  const folder = `${path.join(courseRoot, testsDir)}/`;
  const specifications = (await vitest.globTestSpecifications()).filter((specification) => specification.moduleId.startsWith(folder));
  await vitest.runTestSpecifications(specifications, true);
}

// One run at a time, in order: the grader waits for "run-end" before it asks again.
let queue = Promise.resolve();
createInterface({ input: commands }).on("line", (line) => {
  queue = queue.then(() => run(parseCommand(line)));
  queue.catch((err: unknown) => {
    // Without its "run-end" the grader would wait for nothing: end, and let it say so.
    process.stderr.write(`the warm vitest failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
});
commands.once("close", () => {
  void queue.finally(() => vitest.close()).finally(() => process.exit(0));
});
