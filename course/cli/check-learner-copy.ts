// npm run check, in a learners' copy made by `npm run handout` (and in the course itself): proves
// that the course works on this machine without solutions/. Every check says what it proved.
//   1. no model answers: no solutions/ folder, and nothing imports one;
//   2. type-check (the project's TypeScript, strict);
//   3. every lab loads and is graded (the grader's JSON report: tests ran, none hung, none left a process);
//   4. every lab's first hint prints;
//   5. every notebook runs with no error cell (headless runner, course kernel);
//   6. Jupyter starts on the course with the learner's notebook copies, when Jupyter is installed.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { solutionReferences } from "../check/model-answers";
import { WORKSPACE_DIR } from "../jupyter/workspace";
import { chapters } from "../manifest";
import { courseRoot, labId } from "../foundation/layout";
import { tsNodeArgs } from "../foundation/run-typescript";

const cli = (name: string): string => path.join(courseRoot, "course", "cli", name);
const results: { name: string; problems: string[] }[] = [];

async function check(name: string, body: () => string[] | Promise<string[]>): Promise<void> {
  process.stdout.write(`… ${name}\n`);
  let problems: string[];
  try {
    problems = await body();
  } catch (err) {
    problems = [`the check itself failed: ${(err as Error).message}`];
  }
  console.log(`${problems.length === 0 ? "ok  " : "FAIL"} ${name}`);
  for (const problem of problems) console.log(`     ${problem.split("\n").join("\n     ")}`);
  results.push({ name, problems });
}

function noModelAnswers(): string[] {
  const here = existsSync(path.join(courseRoot, "solutions")) ? ["solutions/ is here: this is not a learners' copy (npm run handout leaves it out)"] : [];
  return [...here, ...solutionReferences(courseRoot, ["notebooks", WORKSPACE_DIR])];
}

function typeCheck(): string[] {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", courseRoot, "--pretty", "false"], { cwd: courseRoot, encoding: "utf8" });
  return result.status === 0
    ? []
    : (result.stdout + result.stderr)
        .split("\n")
        .filter((l) => l.trim() !== "")
        .slice(0, 30);
}

interface ReportLab {
  lab: string;
  total: number;
  compileError: string | null;
  hung: string | null;
  stragglers: { pid: number; command: string }[];
}

function everyLabGraded(): string[] {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "course-check-"));
  try {
    const report = path.join(scratch, "report.json");
    spawnSync(process.execPath, [...tsNodeArgs, cli("grade.ts"), "--json", report], {
      cwd: courseRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, INIT_CWD: courseRoot },
    });
    if (!existsSync(report)) return ["npm run grade wrote no report"];
    const labs = (JSON.parse(readFileSync(report, "utf8")) as { labs: ReportLab[] }).labs;
    const problems: string[] = [];
    for (const chapter of chapters) {
      const lab = labs.find((l) => l.lab === labId(chapter));
      if (lab === undefined) problems.push(`${labId(chapter)}: not graded`);
      else {
        if (lab.compileError !== null) problems.push(`${lab.lab}: does not load: ${lab.compileError}`);
        if (lab.hung !== null) problems.push(`${lab.lab}: hung: ${lab.hung}`);
        if (lab.total === 0) problems.push(`${lab.lab}: no test ran`);
        for (const s of lab.stragglers) problems.push(`${lab.lab}: left process ${s.pid} (${s.command})`);
      }
      if (lab !== undefined) console.log(`     ${lab.lab}: ${lab.total} tests graded`);
    }
    return problems;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function hintsPrint(): string[] {
  return chapters.flatMap((chapter) => {
    const result = spawnSync(process.execPath, [...tsNodeArgs, cli("hint.ts"), chapter.number, "1"], {
      cwd: courseRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return result.status === 0 && result.stdout.trim() !== ""
      ? []
      : [`npm run hint -- ${chapter.number} 1 failed: ${(result.stdout + result.stderr).trim().slice(0, 300)}`];
  });
}

function notebooksRun(): string[] {
  const result = spawnSync(process.execPath, [...tsNodeArgs, cli("notebooks.ts")], { cwd: courseRoot, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const output = (result.stdout + result.stderr).trimEnd();
  console.log(`     ${output.split("\n").join("\n     ")}`);
  return result.status === 0 ? [] : ["a notebook failed, see above"];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function jupyterStarts(): Promise<string[]> {
  if (spawnSync("jupyter", ["--version"], { stdio: "ignore" }).status !== 0) {
    console.log("     not checked here: Jupyter is not installed (npm start says how to install it)");
    return [];
  }
  const port = await freePort();
  const start = spawn(process.execPath, [...tsNodeArgs, cli("start.ts"), "--no-browser", `--port=${port}`], {
    cwd: courseRoot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const running = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 90_000);
    const look = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/is running at|running at:/.test(output)) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    start.stdout.on("data", look);
    start.stderr.on("data", look);
    start.once("exit", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  const ok = await running;
  const exited = new Promise((resolve) => (start.exitCode !== null || start.signalCode !== null ? resolve(null) : start.once("exit", resolve)));
  try {
    process.kill(-start.pid!, "SIGTERM");
  } catch {
    // already gone
  }
  await exited;
  if (!ok) return [`npm start did not get Jupyter running:\n${output.trim().split("\n").slice(-15).join("\n")}`];
  if (!existsSync(path.join(courseRoot, WORKSPACE_DIR, `${labId(chapters[0]!)}.ipynb`))) return [`npm start did not make ${WORKSPACE_DIR}/`];
  return [];
}

await check("no model answers in this copy", noModelAnswers);
await check("type-check (TypeScript, strict)", typeCheck);
await check("every lab loads and is graded (npm run grade)", everyLabGraded);
await check("every lab's first hint prints (npm run hint)", hintsPrint);
await check("every notebook runs with no error cell (npm run notebooks)", notebooksRun);
await check("Jupyter starts on the course (npm start)", jupyterStarts);
const failed = results.filter((r) => r.problems.length > 0).length;
console.log(`\ncheck: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
