// npm run notebooks [-- <name>...] [--impl labs|solutions] [--timeout <seconds>]
// Execute notebooks headlessly through the course kernel. Executed copies go to
// .course/notebooks/ (.course/notebooks-solutions/ with --impl solutions). Exit 1 if any fails.
import { existsSync } from "node:fs";
import path from "node:path";
import { chapters, findChapter } from "../manifest";
import { NOT_YET } from "../notebook-kit";
import { registerCleanup } from "../runner/cleanup";
import { EXECUTED_DIR, runNotebook, type RunOptions } from "../runner/execute";
import { HIDE_TOOLS_VARIABLE, makeShadowPath, toolsToHide } from "../runner/hide-tools";
import { describeNotebookProblem, readNotebook } from "../runner/nbformat";
import { describeRun } from "../runner/report";
import { copyWithSolutionsInLabs } from "../runner/solutions-copy";
import { courseRoot, type Impl, notebookPath } from "../foundation/layout";

const USAGE = `usage: npm run notebooks [-- <chapter or .ipynb>...] [--impl labs|solutions] [--timeout <seconds per cell>]
  With no name, runs every notebook in the course. Executed copies go to .course/notebooks/.
  --impl solutions  run them in a temporary copy of the course whose labs/ hold the model
                    solutions (what a notebook shows once the labs are done); a cell that still
                    prints "${NOT_YET}" fails. Executed copies go to .course/notebooks-solutions/.
  ${HIDE_TOOLS_VARIABLE}=python3,strace,faketime  start the kernel with those commands unreachable.`;

class UsageError extends Error {}

interface Options {
  files: string[];
  cellTimeoutMs: number;
  impl: Impl;
}

function parseArgs(argv: string[]): Options {
  const names: string[] = [];
  let cellTimeoutMs = 120_000;
  let impl: Impl = "labs";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === "--timeout") {
      const seconds = Number(argv[++i]);
      if (!(seconds > 0)) throw new UsageError("--timeout takes a number of seconds, like --timeout 60");
      cellTimeoutMs = seconds * 1000;
    } else if (arg === "--impl") {
      const value = argv[++i];
      if (value !== "labs" && value !== "solutions")
        throw new UsageError(`--impl takes "labs" or "solutions", not ${value === undefined ? "nothing" : `"${value}"`}`);
      impl = value;
    } else if (arg.startsWith("-")) {
      throw new UsageError(`unknown option "${arg}"`);
    } else {
      names.push(arg);
    }
  }
  const files = names.length === 0 ? chapters.map(notebookPath) : names.map(resolveNotebook);
  return { files: files.map((f) => path.resolve(courseRoot, f)), cellTimeoutMs, impl };
}

function resolveNotebook(name: string): string {
  if (name.endsWith(".ipynb")) {
    if (!existsSync(name)) throw new UsageError(`no notebook at ${name}`);
    return path.resolve(name);
  }
  try {
    return notebookPath(findChapter(name));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function main(): Promise<void> {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  const runOptions: RunOptions = { cellTimeoutMs: options.cellTimeoutMs };
  if (options.impl === "solutions") {
    let copy;
    try {
      copy = copyWithSolutionsInLabs(courseRoot);
    } catch (err) {
      console.error(`Cannot run the notebooks against the solutions: ${(err as Error).message}`);
      process.exit(2);
    }
    registerCleanup(copy.remove);
    runOptions.root = copy.root;
    runOptions.outputDir = `${EXECUTED_DIR}-solutions`;
    runOptions.forbid = { text: NOT_YET, why: "with the solutions in labs/, every lab cell must show the finished behaviour" };
  }
  const hidden = toolsToHide();
  if (hidden.length > 0) {
    // One PATH without the tools for every kernel of this run, made here once: each kernel would
    // otherwise make its own (Kernel.start does, when it sees the variable).
    const shadow = makeShadowPath(hidden);
    registerCleanup(shadow.remove);
    process.env.PATH = shadow.path;
    delete process.env[HIDE_TOOLS_VARIABLE];
  }
  console.log(
    `notebooks against ${options.impl === "solutions" ? "the solutions (a copy of the course with them in labs/)" : "labs/"}` +
      (hidden.length > 0 ? `, with ${hidden.join(", ")} unreachable` : ""),
  );
  let failed = 0;
  for (const file of options.files) {
    const name = path.relative(courseRoot, file);
    if (!existsSync(file)) {
      console.log(`FAIL  ${name}: the notebook does not exist`);
      failed++;
      continue;
    }
    // A notebook the runner cannot read is reported, and the others still run.
    const problem = describeNotebookProblem(() => readNotebook(file));
    if (problem) {
      console.log(`FAIL  ${name}: ${problem.replace(`${file} `, "")}`);
      failed++;
      continue;
    }
    const inRoot = runOptions.root ? path.join(runOptions.root, path.relative(courseRoot, file)) : file;
    const run = await runNotebook(runOptions.root && existsSync(inRoot) ? inRoot : file, runOptions);
    run.notebook = file; // reported by its place in the real course
    console.log(describeRun(run));
    if (run.failures.length > 0) failed++;
  }
  console.log(`notebooks: ${options.files.length - failed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

await main();
