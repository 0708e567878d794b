// The grader's overhead: `npm run grade -- 00` against a bare
// `npx vitest run labs/00-welcome/tests`, the same tests with nothing around
// them. Goal: the grader takes at most 1.5 times as long (ratio >= 1/1.5).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Benchmark, BenchResult } from "./types";
import { courseRoot } from "../foundation/layout";

const ROUNDS = 5;

/** Wall time of one command, in ms. Its exit code does not matter: the starter fails its tests on purpose. */
function timeCommand(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: courseRoot, stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
    child.once("error", reject);
    child.once("exit", () => resolve(performance.now() - started));
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function run(): Promise<BenchResult> {
  // The report goes to a scratch file, so the learner's .course/grade-report.json is left alone.
  const scratch = mkdtempSync(path.join(os.tmpdir(), "grader-bench-"));
  const grade = ["run", "--silent", "grade", "--", "00", "--json", path.join(scratch, "report.json")];
  const bare = ["vitest", "run", "labs/00-welcome/tests"];
  const gradeMs: number[] = [];
  const bareMs: number[] = [];
  try {
    // One warm-up of each (tsx and vite caches), then alternate so drift hits both alike.
    await timeCommand("npm", grade);
    await timeCommand("npx", bare);
    for (let round = 0; round < ROUNDS; round++) {
      gradeMs.push(await timeCommand("npm", grade));
      bareMs.push(await timeCommand("npx", bare));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const ms = (values: number[]): string => values.map((value) => value.toFixed(0)).join(", ");
  return {
    name: "npm run grade -- 00 vs npx vitest run labs/00-welcome/tests (wall time, median of 5)",
    ratio: median(bareMs) / median(gradeMs),
    goal: 1 / 1.5,
    details: [`grade: median ${median(gradeMs).toFixed(0)} ms (${ms(gradeMs)})`, `bare vitest: median ${median(bareMs).toFixed(0)} ms (${ms(bareMs)})`],
  };
}

export const benchmarks: Benchmark[] = [{ id: "grader", run }];
