// npm run notebooks [-- <name>...] [--timeout <seconds>]
// Execute notebooks headlessly through the course kernel. Executed copies go
// to .course/notebooks/ (git-ignored). Exit 1 if any cell fails.
import { existsSync } from "node:fs";
import path from "node:path";
import { courseRoot } from "../impl";
import { chapters, findChapter, notebookPath } from "../manifest";
import { runNotebook } from "../runner/execute";
import { describeRun } from "../runner/report";

const USAGE = `usage: npm run notebooks [-- <chapter or .ipynb>...] [--timeout <seconds per cell>]
  With no name, runs every notebook in the course. Executed copies go to .course/notebooks/.`;

function parseArgs(argv: string[]): { files: string[]; cellTimeoutMs: number } {
  const names: string[] = [];
  let cellTimeoutMs = 120_000;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === "--timeout") {
      const seconds = Number(argv[++i]);
      if (!(seconds > 0)) throw new Error(`--timeout takes a number of seconds, like --timeout 60\n${USAGE}`);
      cellTimeoutMs = seconds * 1000;
    } else {
      names.push(arg);
    }
  }
  const files = names.length === 0 ? chapters.map(notebookPath) : names.map(resolveNotebook);
  return { files: files.map((f) => path.resolve(courseRoot, f)), cellTimeoutMs };
}

function resolveNotebook(name: string): string {
  if (name.endsWith(".ipynb")) {
    if (!existsSync(name)) throw new Error(`no notebook at ${name}`);
    return path.resolve(name);
  }
  return notebookPath(findChapter(name));
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  let failed = 0;
  for (const file of options.files) {
    if (!existsSync(file)) {
      console.log(`FAIL  ${path.relative(courseRoot, file)}: the notebook does not exist`);
      failed++;
      continue;
    }
    const run = await runNotebook(file, { cellTimeoutMs: options.cellTimeoutMs });
    console.log(describeRun(run));
    if (run.failures.length > 0) failed++;
  }
  console.log(`notebooks: ${options.files.length - failed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

await main();
